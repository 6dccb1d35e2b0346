import { runThroughput, type ThroughputResult } from './throughput';
import { median, round } from './stats';

export interface TwoCoresOptions {
  readonly latencyMs: number;
  readonly perSource: number;
  readonly connections: readonly number[];
  readonly seconds: number;
  readonly rounds: number;
  readonly processes: readonly number[];
}

export interface TwoCoresResult {
  readonly options: TwoCoresOptions;
  readonly runs: readonly { readonly processes: number; readonly result: ThroughputResult }[];
  readonly median: readonly {
    readonly processes: number;
    readonly viewsPerSecond: number;
    readonly p99: number;
    readonly brokerCpuMsPerView: number;
    readonly peakRssMbPerProcess: number;
  }[];
  /** Best views/s of the most processes over one process. */
  readonly speedup: number;
}

/**
 * Using both cores: the throughput benchmark with the broker as one process and as a cluster
 * (BROKER_PROCESSES), both on the PostgreSQL journal and Redis, as a cluster must be, so that the
 * comparison is of processes alone. The runs alternate, so drift hits both alike.
 */
export async function runTwoCores(options: TwoCoresOptions): Promise<TwoCoresResult> {
  const runs: { processes: number; result: ThroughputResult }[] = [];
  for (let r = 0; r < options.rounds; r++) {
    for (const processes of options.processes) {
      const result = await runThroughput({
        latencyMs: options.latencyMs,
        perSource: options.perSource,
        connections: options.connections,
        seconds: options.seconds,
        rounds: 1,
        p99LimitMs: 1000,
        rig: { processes, store: 'postgres', redis: true },
      });
      runs.push({ processes, result });
    }
  }
  const summary = options.processes.map((processes) => {
    const these = runs.filter((x) => x.processes === processes).map((x) => x.result);
    return {
      processes,
      viewsPerSecond: round(median(these.map((t) => t.median.viewsPerSecond)), 1),
      p99: round(median(these.map((t) => t.median.p99))),
      brokerCpuMsPerView: round(median(these.map((t) => t.median.brokerCpuMsPerView)), 2),
      peakRssMbPerProcess: round(Math.max(...these.map((t) => t.peakRssMb))),
    };
  });
  const one = summary[0]!.viewsPerSecond;
  const most = summary.at(-1)!.viewsPerSecond;
  return { options, runs, median: summary, speedup: round(most / one, 2) };
}
