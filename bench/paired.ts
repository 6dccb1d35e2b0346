import { startRig, type BenchBroker } from './rig';
import { median, round, summarise } from './stats';

export interface PairedOptions {
  readonly latencyMs: number;
  /** Clinical resources each of the five sources holds for the patient. */
  readonly perSource: number;
  /** Views a second, open loop, during each slice. */
  readonly ratePerSecond: number;
  readonly sliceSeconds: number;
  /** Pairs of slices: one slice of each build per pair (a multiple of 4 cycles evenly through brokers and orders). */
  readonly pairs: number;
  /** The other build's `dist/broker/main.js`. */
  readonly otherMain: string;
  /** Whether the other build knows `broker.federationKey` (false for a build older than it). */
  readonly otherFederationKey: boolean;
}

export interface PairedArm {
  /** Broker CPU ms a view in each slice, in order. */
  readonly cpuMsPerViewBySlice: readonly number[];
  readonly cpuMsPerView: number;
  /** Latency over every view of every slice. */
  readonly p50: number;
  readonly p99: number;
  readonly views: number;
  /** Views that failed: no answer, or a status other than 200 (a 503 at admission included). */
  readonly errors: number;
}

export interface PairedResult {
  readonly options: PairedOptions;
  /** This build and the other one, over the same region at the same moments. */
  readonly arms: { readonly this: PairedArm; readonly other: PairedArm };
  /** Per pair, this build's CPU a view over the other's: below 1 is cheaper. */
  readonly cpuRatioByPair: readonly number[];
  readonly cpuRatio: { readonly median: number; readonly min: number; readonly max: number };
}

interface Slice {
  readonly cpuMsPerView: number;
  readonly latencies: readonly number[];
  readonly errors: number;
}

/**
 * Two builds of the broker side by side over one region, asked in short alternating slices at the same
 * steady rate: the machine's drift (another tenant, a throttled core) lands on both alike, so their
 * ratio holds where two runs minutes apart differ by more than the change being measured. Each pair
 * runs one slice of each, the order alternating, and reports this build's CPU a view over the other's.
 * Memory is not compared: with the brokers of both builds in one machine, their peak RSS differed
 * between the arms of an A/A run by a third (throughput measures it, one broker at a time).
 */
export async function runPaired(options: PairedOptions): Promise<PairedResult> {
  const rig = await startRig({
    region: { latency: options.latencyMs, richRecordSize: options.perSource },
  });
  try {
    // Two brokers of each build, started in the order other, this, this, other, beside the rig's own
    // broker, which stays idle. Where a broker stands in the start order moves its CPU a view by up to
    // a tenth, for reasons not found (an A/A run of one build against itself measured 1.16 for the
    // earlier-started broker and 1.05 for the later one): each build holds two positions that mirror
    // the other's, and the pairs cycle through both brokers of each build in both orders. The rig's
    // broker (this build) publishes the JWKS the region trusts, with the federation key both builds
    // sign requester assertions with (an older build signs with the signing key, published there too).
    const otherVariant = {
      main: options.otherMain,
      ...(options.otherFederationKey ? {} : { federationKey: false as const }),
    };
    const otherFirst = await rig.startBroker(otherVariant);
    const mineFirst = await rig.startBroker({});
    const mineSecond = await rig.startBroker({});
    const otherSecond = await rig.startBroker(otherVariant);
    const arms: Record<'this' | 'other', readonly BenchBroker[]> = {
      this: [mineFirst, mineSecond],
      other: [otherFirst, otherSecond],
    };
    for (const broker of [...arms.this, ...arms.other]) {
      await rig.load.openLoop({ ...broker.view, ratePerSecond: 20, seconds: 3 }); // warm up: JIT, sockets, tokens
    }
    const slices: Record<'this' | 'other', Slice[]> = { this: [], other: [] };
    for (let pair = 0; pair < options.pairs; pair++) {
      // Four pairs make a cycle: each build's first and second broker, each order.
      const order = pair % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const);
      const which = Math.floor(pair / 2) % 2;
      for (const name of order) {
        const { broker, view } = arms[name][which]!;
        const cpu0 = broker.cpuMs();
        const run = await rig.load.openLoop({
          ...view,
          ratePerSecond: options.ratePerSecond,
          seconds: options.sliceSeconds,
        });
        slices[name].push({
          cpuMsPerView: (broker.cpuMs() - cpu0) / Math.max(1, run.latencies.length),
          latencies: run.latencies,
          errors: run.errors,
        });
      }
    }
    const arm = (name: 'this' | 'other'): PairedArm => {
      const all = slices[name].flatMap((s) => s.latencies);
      const summary = summarise(all, 1);
      const bySlice = slices[name].map((s) => round(s.cpuMsPerView, 2));
      return {
        cpuMsPerViewBySlice: bySlice,
        cpuMsPerView: round(median(bySlice), 2),
        p50: summary.p50,
        p99: summary.p99,
        views: all.length,
        errors: slices[name].reduce((sum, s) => sum + s.errors, 0),
      };
    };
    const ratios = slices.this.map((s, i) => round(s.cpuMsPerView / slices.other[i]!.cpuMsPerView, 3));
    return {
      options,
      arms: { this: arm('this'), other: arm('other') },
      cpuRatioByPair: ratios,
      cpuRatio: { median: round(median(ratios), 3), min: Math.min(...ratios), max: Math.max(...ratios) },
    };
  } finally {
    await rig.close();
  }
}
