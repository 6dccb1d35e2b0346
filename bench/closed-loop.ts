/**
 * A closed-loop load driver: `concurrency` workers each run `task` back to back until `seconds`
 * have passed (or `maxIterations` is reached), recording each task's latency in milliseconds.
 * Bounded in time and count, and sends traffic only where `task` does (loopback in the benchmarks).
 */
export async function closedLoop(options: {
  concurrency: number;
  seconds: number;
  maxIterations?: number;
  task: () => Promise<void>;
}): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const begin = performance.now();
  const end = begin + options.seconds * 1000;
  const max = options.maxIterations ?? Number.POSITIVE_INFINITY;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && started < max) {
      started++;
      const t0 = performance.now();
      try {
        await options.task();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies, errors, seconds: (performance.now() - begin) / 1000 };
}
