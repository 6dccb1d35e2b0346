import { startRig } from './rig';
import { median, round, summarise, type LatencySummary } from './stats';

export interface OverheadOptions {
  /** Every node's fixed latency. */
  readonly latencyMs: number;
  /** Clinical resources each of the five sources holds for the patient. */
  readonly perSource: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Views a second: steady open-loop loads, as clinicians opening records make; each is measured. */
  readonly rates: readonly number[];
}

export interface OverheadRound {
  readonly ratePerSecond: number;
  /** The view at the steady rate. */
  readonly view: LatencySummary & {
    readonly errors: number;
    /** Of the errors, 503s: refused at admission (the broker was full), answered at once. */
    readonly shed: number;
  };
  /** The slowest source asked directly by its own adapter, at the same rate, just before. */
  readonly direct: LatencySummary & { readonly source: string };
  readonly brokerCpuMsPerView: number;
  /**
   * Every source asked at once by the broker's own adapters, at the same rate, without the broker
   * (load-process `adapters-alone`): CPU ms a view. What the sources' round trips and protocols cost
   * any broker in Node; the broker's own cost is the rest.
   */
  readonly adaptersAloneCpuMsPerView: number;
  /** CPU the simulated region and the load generator used during the views, ms a view. */
  readonly regionCpuMsPerView: number;
  readonly loadCpuMsPerView: number;
}

export interface OverheadMedian {
  readonly ratePerSecond: number;
  readonly viewP50: number;
  readonly viewP99: number;
  readonly directP50: number;
  readonly directP99: number;
  readonly ratioP50: number;
  readonly ratioP99: number;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  readonly brokerCpuMsPerView: number;
  readonly adaptersAloneCpuMsPerView: number;
  /** The broker's CPU a view less the adapters' alone: merge, checks, answer, server, audit. */
  readonly brokerOwnCpuMsPerView: number;
}

export interface OverheadResult {
  readonly options: OverheadOptions;
  readonly resourcesPerSource: Record<string, number>;
  readonly rounds: readonly OverheadRound[];
  /** Per rate, the median of the rounds. */
  readonly median: readonly OverheadMedian[];
  readonly peakRssMb: number;
}

/**
 * The broker's cost over the slowest source it waits for. Five nodes at a fixed latency; each round,
 * at each rate, finds the slowest source (each asked directly for a second), asks it directly at that
 * rate with the broker's own adapter (its protocol, its round trips, its conversion: the least any
 * client could wait for it), asks every source at once the same way with no broker (what the sources
 * cost in CPU before the broker does anything of its own), then opens the view at the same rate.
 * Rounds repeat all three, so drift hits all three.
 */
export async function runOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const rig = await startRig({
    region: { latency: options.latencyMs, richRecordSize: options.perSource },
  });
  try {
    const { load, broker, region } = rig;
    await load.openLoop({ ...rig.view, ratePerSecond: 20, seconds: 2 }); // warm up: JIT, sockets, tokens
    const rounds: OverheadRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      for (const ratePerSecond of options.rates) {
        const medians = await load.directMedians(rig.direct);
        const slowest = Object.entries(medians).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
        const steady = { ratePerSecond, seconds: options.seconds };
        const direct = await load.directOpenLoop({ ...rig.direct, ...steady, sourceId: slowest });
        const adaptersAlone = await load.adaptersAlone({ ...rig.direct, ...steady });

        const cpu0 = { broker: broker.cpuMs(), region: region.cpuMs() };
        const view = await load.openLoop({ ...rig.view, ...steady });
        const views = Math.max(1, view.latencies.length);
        rounds.push({
          ratePerSecond,
          view: {
            ...summarise(view.latencies, view.seconds),
            errors: view.errors + view.dropped,
            shed: view.shed,
          },
          direct: { ...summarise(direct.latencies, direct.seconds), source: slowest },
          brokerCpuMsPerView: round((broker.cpuMs() - cpu0.broker) / views, 2),
          adaptersAloneCpuMsPerView: adaptersAlone.cpuMsPerView,
          regionCpuMsPerView: round((region.cpuMs() - cpu0.region) / views, 2),
          loadCpuMsPerView: round(view.cpuMs / views, 2),
        });
      }
    }
    const medianAt = (ratePerSecond: number): OverheadMedian => {
      const these = rounds.filter((r) => r.ratePerSecond === ratePerSecond);
      const m = (pick: (r: OverheadRound) => number): number => round(median(these.map(pick)), 2);
      return {
        ratePerSecond,
        viewP50: m((r) => r.view.p50),
        viewP99: m((r) => r.view.p99),
        directP50: m((r) => r.direct.p50),
        directP99: m((r) => r.direct.p99),
        ratioP50: m((r) => r.view.p50 / r.direct.p50),
        ratioP99: m((r) => r.view.p99 / r.direct.p99),
        addedP50Ms: m((r) => r.view.p50 - r.direct.p50),
        addedP99Ms: m((r) => r.view.p99 - r.direct.p99),
        brokerCpuMsPerView: m((r) => r.brokerCpuMsPerView),
        adaptersAloneCpuMsPerView: m((r) => r.adaptersAloneCpuMsPerView),
        brokerOwnCpuMsPerView: m((r) => r.brokerCpuMsPerView - r.adaptersAloneCpuMsPerView),
      };
    };
    return {
      options,
      resourcesPerSource: rig.region.started.richResources,
      rounds,
      median: options.rates.map(medianAt),
      peakRssMb: round(broker.peakRssMb()),
    };
  } finally {
    await rig.close();
  }
}
