import { createServer, type Server } from 'node:net';

/** A port held open on the loopback interface until a server takes over its socket (`startBroker`'s `listenOn`). */
export interface ReservedPort {
  readonly port: number;
  readonly url: string;
  readonly server: Server;
  /** Lets go of the socket, if no server took it over. */
  close(): Promise<void>;
}

/**
 * Binds port 0 and keeps the socket, so that its address can go into another server's configuration
 * before the server that will answer on it starts; nothing else can take the port in between.
 */
export async function reservePort(): Promise<ReservedPort> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
