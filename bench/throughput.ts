import type { FloorResult } from './load-process';
import { startRig, type RigOptions } from './rig';
import { sampleMemory } from './metrics';
import { median, round } from './stats';

export interface ThroughputOptions {
  readonly latencyMs: number;
  readonly perSource: number;
  /** Closed-loop connections, stepped up (every step runs: one slow view can push a short low step over). */
  readonly connections: readonly number[];
  readonly seconds: number;
  readonly rounds: number;
  /** The view's p99 must stay under this. */
  readonly p99LimitMs: number;
  /** Broker processes (the two-core benchmark runs 1 and 2) and their store. */
  readonly rig?: Pick<RigOptions, 'processes' | 'store' | 'redis'>;
}

export interface ThroughputStep {
  readonly connections: number;
  readonly viewsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly bytesPerView: number;
  readonly brokerCpuMsPerView: number;
  readonly regionCpuMsPerView: number;
  readonly loadCpuMsPerView: number;
  /** Share of one core: the broker's CPU over the step's wall time. */
  readonly brokerCores: number;
  /** The largest broker process's peak RSS so far (VmHWM: it never falls, so later steps carry earlier peaks). */
  readonly peakRssMb: number;
  /** During this step, sampled twice a second from /metrics: the heap in use (garbage not yet collected included) and buffers outside it. */
  readonly peakHeapUsedMb: number;
  readonly peakExternalMb: number;
}

export interface ThroughputRound {
  readonly steps: readonly ThroughputStep[];
  /** The step with the most views a second whose p99 stayed under the limit. */
  readonly best: ThroughputStep | undefined;
}

export interface ThroughputResult {
  readonly options: ThroughputOptions;
  readonly resourcesPerSource: Record<string, number>;
  readonly floor: FloorResult;
  readonly rounds: readonly ThroughputRound[];
  readonly median: {
    readonly viewsPerSecond: number;
    readonly p99: number;
    readonly brokerCpuMsPerView: number;
    /** Broker CPU a view over the JSON floor (parse what the sources sent, serialise what it answered). */
    readonly cpuOverFloor: number;
    /**
     * Peak RSS before any step overloaded the broker: at the last step of the first round whose p99 was
     * under the limit (steps only add load until then; an overloaded step's heap stays for later ones).
     */
    readonly peakRssMbWithinLimit: number;
  };
  /** Over the whole run, overloaded steps included. */
  readonly peakRssMb: number;
  readonly peakRssByProcessMb: readonly number[];
}

/**
 * The most views a second the broker serves with p99 under the limit: five nodes at a fixed latency,
 * realistic records (`perSource` resources each, about 1 MB a view at 200), closed-loop connections
 * stepped up. The broker's CPU a view is set against the JSON floor measured in the same run.
 */
export async function runThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const rig = await startRig({
    region: { latency: options.latencyMs, richRecordSize: options.perSource },
    ...options.rig,
  });
  try {
    const { load, broker, region } = rig;
    await load.closedLoop({ ...rig.view, connections: 4, seconds: 3 }); // warm up
    const floor = await load.floor({ ...rig.direct, ...rig.view, iterations: 30 });
    const rounds: ThroughputRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const steps: ThroughputStep[] = [];
      for (const connections of options.connections) {
        const cpu0 = { broker: broker.cpuMs(), region: region.cpuMs() };
        const memory = sampleMemory(broker.url);
        const run = await load.closedLoop({ ...rig.view, connections, seconds: options.seconds });
        const peaks = await memory.stop();
        const views = Math.max(1, run.count);
        const brokerMs = broker.cpuMs() - cpu0.broker;
        steps.push({
          connections,
          viewsPerSecond: run.perSecond,
          p50: run.p50,
          p99: run.p99,
          errors: run.errors,
          bytesPerView: run.bytesPerView,
          brokerCpuMsPerView: round(brokerMs / views, 2),
          regionCpuMsPerView: round((region.cpuMs() - cpu0.region) / views, 2),
          loadCpuMsPerView: round(run.cpuMs / views, 2),
          brokerCores: round(brokerMs / (options.seconds * 1000), 2),
          peakRssMb: round(broker.peakRssMb()),
          peakHeapUsedMb: round(peaks.heapUsedMb),
          peakExternalMb: round(peaks.externalMb),
        });
      }
      const within = steps.filter((s) => s.p99 < options.p99LimitMs && s.errors === 0);
      const best = within.reduce<ThroughputStep | undefined>(
        (a, s) => (!a || s.viewsPerSecond > a.viewsPerSecond ? s : a),
        undefined,
      );
      rounds.push({ steps, best });
    }
    const bests = rounds.flatMap((r) => (r.best ? [r.best] : []));
    const m = (pick: (s: ThroughputStep) => number): number =>
      bests.length > 0 ? round(median(bests.map(pick)), 2) : NaN;
    const cpu = m((s) => s.brokerCpuMsPerView);
    return {
      options,
      resourcesPerSource: region.started.richResources,
      floor,
      rounds,
      median: {
        viewsPerSecond: m((s) => s.viewsPerSecond),
        p99: m((s) => s.p99),
        brokerCpuMsPerView: cpu,
        cpuOverFloor: round(cpu / floor.floorMs, 2),
        peakRssMbWithinLimit: (() => {
          const first = rounds[0]?.steps ?? [];
          const overloaded = first.findIndex((st) => st.p99 >= options.p99LimitMs || st.errors > 0);
          const within = overloaded < 0 ? first : first.slice(0, overloaded);
          return within.at(-1)?.peakRssMb ?? NaN;
        })(),
      },
      peakRssMb: round(broker.peakRssMb()),
      peakRssByProcessMb: broker.peakRssByProcessMb().map((v) => round(v)),
    };
  } finally {
    await rig.close();
  }
}
