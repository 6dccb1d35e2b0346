import { createServer } from 'node:net';

/**
 * A port free on the loopback interface now, for a server in another process whose URL must be known
 * before it starts. Benchmarks only: tests listen on port 0 or reserve a socket (test/support/reserved-port.ts).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
