import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { mergeView, type MergedView } from '../broker/merge/merge-view';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { populationOutcomes, populationSources } from './population-outcomes';
import { median, round } from './stats';

export interface MergeBenchOptions {
  /** Clinical resources each of the five nodes holds for the rich patient (padded). */
  readonly perSource: number;
  readonly runs: number;
}

export interface MergeBenchResult {
  readonly options: MergeBenchOptions;
  readonly sources: number;
  readonly resources: number;
  readonly counts: MergedView['counts'];
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Heap in use after a merge while its view is held, and what the view itself retains. */
  readonly heapUsedMb: number;
  readonly viewRetainedMb: number;
}

/** A garbage collector to call between runs, so that heap figures are of live data only. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => gc();
}

const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);

/**
 * The merge alone, in memory: the rich patient's record from all five sources (padded to `perSource`
 * each), merged `runs` times after a warm-up. Reports the median and range, and the heap.
 */
export function runMergeBench(options: MergeBenchOptions): MergeBenchResult {
  const gc = collector();
  const population = generatePopulation({ size: 0, richRecordSize: options.perSource });
  const sources = populationSources();
  const outcomes = populationOutcomes(population, DEMO_NHS_NUMBERS.rich);
  const resources = outcomes.reduce((n, o) => n + (o.status === 'ok' ? o.record.resources.length : 0), 0);
  const merge = (): MergedView =>
    mergeView({
      viewId: 'bench',
      nhsNumber: DEMO_NHS_NUMBERS.rich,
      sources,
      outcomes,
      broker: { name: 'Bench Broker', odsCode: 'X26' },
      now: new Date('2026-11-01T09:00:00Z'),
    });

  for (let i = 0; i < 3; i++) merge();
  const runsMs: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    gc();
    const started = process.hrtime.bigint();
    merge();
    runsMs.push(round(Number(process.hrtime.bigint() - started) / 1e6, 2));
  }
  // Twice: a full collection may leave what the first one finalised for the next.
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: MergedView[] = [merge()];
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const view = held[0]!;
  return {
    options,
    sources: sources.length,
    resources,
    counts: view.counts,
    runsMs,
    medianMs: round(median(runsMs), 2),
    minMs: Math.min(...runsMs),
    maxMs: Math.max(...runsMs),
    heapUsedMb: mb(after),
    viewRetainedMb: mb(after - before),
  };
}
