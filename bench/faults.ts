import type { SimFaultRule } from '../sim/sim-faults';
import { startRig, type BenchBroker } from './rig';
import { median, percentile, round } from './stats';

export interface FaultsOptions {
  readonly latencyMs: number;
  readonly perSource: number;
  /** The view's deadline; every source's own limit is the same, so the deadline is what cuts a hung call. */
  readonly deadlineMs: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Healthy FHIR R4 nodes besides the neighbouring region (the five nodes' datasets in turn). */
  readonly extraHealthy: number;
}

export interface FaultsRun {
  readonly breaker: 'disabled' | 'default';
  readonly count: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Views whose entries from every healthy source matched the clean baseline. */
  readonly complete: boolean;
  readonly entries: Record<string, { readonly min: number; readonly max: number }>;
}

export interface FaultsResult {
  readonly options: FaultsOptions;
  readonly faults: Readonly<Record<string, SimFaultRule>>;
  /** Entries per healthy source in a view before any fault. */
  readonly baseline: Record<string, number>;
  readonly runs: readonly FaultsRun[];
  readonly median: Readonly<Record<'disabled' | 'default', { p50: number; p99: number }>>;
  /** The goal: p99 within the deadline plus this. */
  readonly limitMs: number;
}

/** One fault per misbehaving node; the neighbouring region and the extra nodes stay healthy. */
const FAULTS: Readonly<Record<string, SimFaultRule>> = {
  gp: { fault: { kind: 'hang' } },
  acute: { fault: { kind: 'status', status: 500 } },
  'mental-health': { fault: { kind: 'reset' } },
  // A body of ~55 characters, one every 100 ms: about 5.5 s, past any deadline here.
  ambulance: { fault: { kind: 'slow-body', intervalMs: 100 } },
};

/**
 * Faults: one node hangs, one answers 500, one resets the connection, one trickles its body; the
 * others are healthy. Two brokers over the same region: one whose circuit breakers never open (every
 * view meets the faults and must still answer by the deadline), one with the default breakers (after
 * a few failures the faulty sources are skipped at once, and probed now and then). Every response is
 * checked: each healthy source's entries must be all there, as many as in a view before the faults.
 */
export async function runFaults(options: FaultsOptions): Promise<FaultsResult> {
  const federation = { deadlineMs: options.deadlineMs, sourceTimeoutMs: options.deadlineMs };
  const rig = await startRig({
    region: {
      latency: options.latencyMs,
      richRecordSize: options.perSource,
      extraNodes: options.extraHealthy,
    },
    federation,
    everySource: { resilience: { circuitBreaker: { consecutiveFailures: 1000 } } },
  });
  try {
    const noBreaker: BenchBroker = rig;
    const withBreaker = await rig.startBroker({ federation });
    const healthy = rig.config.sources.map((s) => s.id).filter((id) => !(id in FAULTS));
    const clean = await rig.load.openLoop({
      ...rig.view,
      ratePerSecond: 5,
      seconds: 2,
      countSources: healthy,
    });
    const baseline = Object.fromEntries(
      healthy.map((id) => {
        const seen = clean.entries?.[id];
        if (!seen || seen.min !== seen.max || seen.min === 0)
          throw new Error(`no steady clean baseline for ${id}: ${JSON.stringify(seen)}`);
        return [id, seen.min];
      }),
    );
    for (const [node, rule] of Object.entries(FAULTS)) await rig.region.setFault(node, rule);

    const runs: FaultsRun[] = [];
    for (let r = 0; r < options.rounds; r++) {
      for (const [breaker, b] of [
        ['disabled', noBreaker],
        ['default', withBreaker],
      ] as const) {
        const run = await rig.load.openLoop({
          ...b.view,
          ratePerSecond: options.ratePerSecond,
          seconds: options.seconds,
          countSources: healthy,
        });
        const sorted = [...run.latencies].sort((x, y) => x - y);
        const entries = run.entries ?? {};
        runs.push({
          breaker,
          count: sorted.length,
          errors: run.errors + run.dropped,
          p50: round(percentile(sorted, 50)),
          p99: round(percentile(sorted, 99)),
          max: round(sorted.at(-1) ?? NaN),
          complete: healthy.every(
            (id) => entries[id]?.min === baseline[id] && entries[id]?.max === baseline[id],
          ),
          entries,
        });
      }
    }
    const m = (breaker: 'disabled' | 'default'): { p50: number; p99: number } => {
      const these = runs.filter((x) => x.breaker === breaker);
      return { p50: round(median(these.map((x) => x.p50))), p99: round(median(these.map((x) => x.p99))) };
    };
    return {
      options,
      faults: FAULTS,
      baseline,
      runs,
      median: { disabled: m('disabled'), default: m('default') },
      limitMs: options.deadlineMs + 50,
    };
  } finally {
    await rig.close();
  }
}
