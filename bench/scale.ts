import type { FloorResult } from './load-process';
import { startRig } from './rig';
import { round } from './stats';

export interface ScaleOptions {
  readonly latencyMs: number;
  /** Resources per source for the record-size curve (five sources). */
  readonly perSource: readonly number[];
  /** Sources for the source-count curve (50 resources each). */
  readonly sources: readonly number[];
  /** Sequential views for this long at each point. */
  readonly seconds: number;
}

export interface ScalePoint {
  readonly curve: 'record size' | 'sources';
  readonly sources: number;
  readonly perSource: number;
  readonly views: number;
  readonly p50: number;
  readonly p99: number;
  readonly brokerCpuMsPerView: number;
  /** Every source asked at once by the broker's own adapters, one view at a time, without the broker. */
  readonly adaptersAloneCpuMsPerView: number;
  readonly floor: FloorResult;
  readonly cpuOverFloor: number;
  readonly peakRssMb: number;
}

export interface ScaleResult {
  readonly options: ScaleOptions;
  readonly points: readonly ScalePoint[];
}

/** Big records: pages of the most a node serves, no response cap in the way, and time to read them. */
const BIG = { pageSize: 1000, maxPages: 50, maxResponseBytes: 256 * 1024 * 1024 };

/**
 * How a view's cost grows: with the record's size (five sources, 50 → 5,000 resources each) and with
 * the number of sources (5 → 50, 50 resources each; the extra sources are FHIR R4 nodes serving the
 * five datasets in turn). Views one at a time, so latency is the view's own and CPU is per view;
 * each point also measures its JSON floor, and what asking the sources alone costs (every source asked
 * at once by the broker's own adapters, one view at a time, with no broker).
 */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const points: ScalePoint[] = [];
  const measure = async (curve: ScalePoint['curve'], sources: number, perSource: number): Promise<void> => {
    const rig = await startRig({
      region: {
        latency: options.latencyMs,
        richRecordSize: perSource,
        extraNodes: sources - 5,
        neighbourStoreLimits: BIG,
      },
      federation: { deadlineMs: 30_000, sourceTimeoutMs: 30_000 },
      everySource: BIG,
    });
    try {
      await rig.load.closedLoop({ ...rig.view, connections: 1, seconds: 2 });
      const floor = await rig.load.floor({
        ...rig.direct,
        ...rig.view,
        iterations: perSource >= 1000 ? 3 : 20,
      });
      const cpu0 = rig.broker.cpuMs();
      const run = await rig.load.closedLoop({ ...rig.view, connections: 1, seconds: options.seconds });
      if (run.errors > 0) throw new Error(`${run.errors} views failed at ${sources} sources × ${perSource}`);
      const cpu = (rig.broker.cpuMs() - cpu0) / Math.max(1, run.count);
      const adaptersAlone = await rig.load.adaptersAlone({
        ...rig.direct,
        ratePerSecond: 0,
        seconds: options.seconds,
      });
      points.push({
        curve,
        sources,
        perSource,
        views: run.count,
        p50: run.p50,
        p99: run.p99,
        brokerCpuMsPerView: round(cpu, 1),
        adaptersAloneCpuMsPerView: round(adaptersAlone.cpuMsPerView, 1),
        floor,
        cpuOverFloor: round(cpu / floor.floorMs, 2),
        peakRssMb: round(rig.broker.peakRssMb()),
      });
    } finally {
      await rig.close();
    }
  };
  for (const perSource of options.perSource) await measure('record size', 5, perSource);
  for (const sources of options.sources) await measure('sources', sources, 50);
  return { options, points };
}
