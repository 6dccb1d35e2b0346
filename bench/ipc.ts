import { fork, type ChildProcess } from 'node:child_process';

/** A request from the bench runner to one of its helper processes, and the answer. */
interface Call {
  readonly id: number;
  readonly type: string;
  readonly payload: unknown;
}
type Reply =
  { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: string };

/** The runner's handle on a helper process (the simulated region, the load generator). */
export interface Helper {
  readonly pid: number;
  call<T>(type: string, payload?: unknown): Promise<T>;
  /** Asks it to stop (`close`) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Forks a compiled helper (dist/bench/…js) with an IPC channel. Helpers run apart from the runner so
 * that each one's CPU can be read on its own, and so that none steals the others' event loop.
 */
export function forkHelper(file: string, env: Record<string, string> = {}): Helper {
  // No inherited flags (a helper is measured from outside, by /proc), unless its profile is asked for.
  const profileDir = process.env.BENCH_HELPER_CPU_PROF;
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = fork(file, [], { execArgv, env: { ...process.env, ...env } });
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${file} exited with code ${code}`));
    pending.clear();
  });
  return {
    pid: child.pid!,
    call<T>(type: string, payload?: unknown): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, type, payload } satisfies Call);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      try {
        await this.call('close');
      } catch {
        // it exited while closing
      }
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

/** In a helper: answers the runner's calls with these handlers; `close` answers, then exits. */
export function serveCalls(
  handlers: Record<string, (payload: never) => unknown>,
  close: () => Promise<void>,
): void {
  process.on('message', (message: Call) => {
    void (async () => {
      try {
        if (message.type === 'close') {
          await close();
          process.send!({ id: message.id, result: null }, () => process.exit(0));
          return;
        }
        const handler = handlers[message.type];
        if (!handler) throw new Error(`unknown call ${message.type}`);
        const result = await handler(message.payload as never);
        process.send!({ id: message.id, result: result ?? null });
      } catch (error) {
        process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  // The runner went away: nothing left to serve.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
}
