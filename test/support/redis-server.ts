import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/** Ports below the kernel's ephemeral range (32768-60999), so no outgoing connection is ever given one. */
const PORT_RANGE = { from: 20_000, size: 12_000 };

/**
 * A redis-server of the test's own, with nothing persisted: stopping it loses every key, as a Redis
 * that restarts without persistence (or fails over to an empty replica) does. redis-server cannot
 * listen on port 0 and report it, so it is started on a random port below the ephemeral range, and on
 * another if that one is taken (the child exits); the server that answers is checked to be the child.
 */
export class RedisServerProcess {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServerProcess> {
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServerProcess(PORT_RANGE.from + Math.floor(Math.random() * PORT_RANGE.size));
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.stop();
        if (attempt >= 9) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills the server (SIGKILL: nothing is saved anyway) and starts an empty one on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  private async launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      // Refused until the server listens: connect() rejects with that, and the event would only be printed.
      probe.on('error', () => {});
      try {
        await probe.connect();
        // Another server on the port would answer too: only this child's own pid counts.
        const info = await probe.info('server');
        if (new RegExp(`^process_id:${child.pid}\\r?$`, 'm').test(info)) return;
        throw new Error('another server answers on this port');
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        if (probe.status !== 'end') probe.disconnect();
      }
    }
    throw new Error('redis-server did not start in 5 s');
  }
}
