import { loadConfig } from '../config/load-config';
import type { BrokerConfig } from '../config/schema';
import { DEMO_CONFIG_FILE } from '../sim/region-config';
import { brokerMetric } from './metrics';
import { startRig, type BenchBroker } from './rig';
import { median, percentile, round } from './stats';

export interface TailOptions {
  readonly latencyMs: number;
  /** The slow answer and how many of the slow node's calls (a whole record read) meet it. */
  readonly tailMs: number;
  readonly callTailRatio: number;
  readonly perSource: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly rounds: number;
}

export interface TailRun {
  readonly hedging: boolean;
  readonly count: number;
  readonly errors: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Views slower than the tail itself. */
  readonly slowViews: number;
  readonly hedges: number;
  readonly hedgeWins: number;
}

export interface TailResult {
  readonly options: TailOptions;
  /** The slow node's chance of the tail per request: a call makes `requestsPerCall` of them. */
  readonly requestTailRatio: number;
  readonly requestsPerCall: number;
  readonly runs: readonly TailRun[];
  readonly median: Readonly<Record<'without' | 'with', { p50: number; p99: number; slowViews: number }>>;
}

/**
 * The tail is drawn per request, so how many requests one read of the record makes decides how
 * often a read meets it: the patient lookup, then one batch of every type's search, or a search per
 * type (as config/demo.yaml sets the source; the bench's records fit in one page a type).
 */
function requestsPerRead(sources: BrokerConfig['sources'], sourceId: string): number {
  const source = sources.find((s) => s.id === sourceId);
  if (source?.kind !== 'fhir-r4')
    throw new Error(`the tail's slow node must be a FHIR R4 source: ${sourceId}`);
  return 1 + (source.searchBy === 'batch' ? 1 : source.supplies.length);
}

/** The FHIR R4 node that is slow now and then, and has a replica. */
const SLOW = 'acute';

/**
 * The tail: one node (the acute trust) answers after `tailMs` now and then, the others always after
 * `latencyMs`. The same region serves two brokers, one reading the acute trust alone and one that
 * may also read its replica (a second node with the same dataset and its own draws of the same tail)
 * when the trust is slower than its recent p95 — hedged reads. Rounds alternate the two brokers.
 */
export async function runTail(options: TailOptions): Promise<TailResult> {
  const requestsPerCall = requestsPerRead(loadConfig({ file: DEMO_CONFIG_FILE(), env: {} }).sources, SLOW);
  const requestTailRatio = 1 - (1 - options.callTailRatio) ** (1 / requestsPerCall);
  const rig = await startRig({
    region: {
      latency: options.latencyMs,
      latencyByNode: {
        [SLOW]: {
          kind: 'heavy-tail',
          ms: options.latencyMs,
          tailMs: options.tailMs,
          tailRatio: requestTailRatio,
        },
      },
      replicas: [SLOW],
      richRecordSize: options.perSource,
    },
  });
  try {
    const hedged: BenchBroker = rig;
    const plain = await rig.startBroker({ withoutReplicas: true });
    // The tail was calibrated on config/demo.yaml; the broker under test must read the source the same way.
    const asRun = requestsPerRead(rig.config.sources, SLOW);
    if (asRun !== requestsPerCall)
      throw new Error(
        `${SLOW} is read in ${asRun} requests by the broker under test, not ${requestsPerCall}`,
      );
    for (const b of [plain, hedged]) await rig.load.openLoop({ ...b.view, ratePerSecond: 10, seconds: 3 });
    const runs: TailRun[] = [];
    for (let r = 0; r < options.rounds; r++) {
      for (const [hedging, b] of [
        [false, plain],
        [true, hedged],
      ] as const) {
        const labels = { source: SLOW };
        const before = {
          hedges: await brokerMetric(b.broker.url, 'hie_source_hedges_total', labels),
          wins: await brokerMetric(b.broker.url, 'hie_source_hedge_wins_total', labels),
        };
        const run = await rig.load.openLoop({
          ...b.view,
          ratePerSecond: options.ratePerSecond,
          seconds: options.seconds,
        });
        const sorted = [...run.latencies].sort((x, y) => x - y);
        runs.push({
          hedging,
          count: sorted.length,
          errors: run.errors + run.dropped,
          p50: round(percentile(sorted, 50)),
          p95: round(percentile(sorted, 95)),
          p99: round(percentile(sorted, 99)),
          p999: round(percentile(sorted, 99.9)),
          max: round(sorted.at(-1) ?? NaN),
          slowViews: sorted.filter((ms) => ms >= options.tailMs).length,
          hedges: (await brokerMetric(b.broker.url, 'hie_source_hedges_total', labels)) - before.hedges,
          hedgeWins: (await brokerMetric(b.broker.url, 'hie_source_hedge_wins_total', labels)) - before.wins,
        });
      }
    }
    const m = (hedging: boolean): { p50: number; p99: number; slowViews: number } => {
      const these = runs.filter((x) => x.hedging === hedging);
      return {
        p50: round(median(these.map((x) => x.p50))),
        p99: round(median(these.map((x) => x.p99))),
        slowViews: median(these.map((x) => x.slowViews)),
      };
    };
    return {
      options,
      requestTailRatio: round(requestTailRatio, 5),
      requestsPerCall,
      runs,
      median: { without: m(false), with: m(true) },
    };
  } finally {
    await rig.close();
  }
}
