/**
 * An open-loop load driver: starts `task` at a fixed rate whatever earlier tasks are doing (as
 * clinicians opening records do), for `seconds`, with at most `maxInFlight` outstanding. Records
 * each task's latency in ms; a start skipped because too many were in flight counts as dropped.
 */
export async function openLoop(options: {
  ratePerSecond: number;
  seconds: number;
  maxInFlight?: number;
  task: () => Promise<void>;
}): Promise<{ latencies: number[]; errors: number; dropped: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const maxInFlight = options.maxInFlight ?? 200;
  const total = Math.round(options.ratePerSecond * options.seconds);
  const interval = 1000 / options.ratePerSecond;
  const begin = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= maxInFlight) {
      dropped++;
      continue;
    }
    inFlight++;
    const t0 = performance.now();
    pending.push(
      options.task().then(
        () => {
          latencies.push(performance.now() - t0);
          inFlight--;
        },
        () => {
          errors++;
          inFlight--;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, errors, dropped, seconds: (performance.now() - begin) / 1000 };
}
