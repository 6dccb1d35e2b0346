import { createRandom } from './population/random';

/**
 * How long a simulated node waits before it answers, as data (so a benchmark can send it to a node
 * in another process): a fixed delay, or a heavy tail — most answers after `ms`, a fraction
 * `tailRatio` of them after `tailMs` ("The Tail at Scale": the rare slow answer every fan-out meets).
 */
export type LatencySpec =
  | number
  | { readonly kind: 'fixed'; readonly ms: number }
  | {
      readonly kind: 'heavy-tail';
      readonly ms: number;
      readonly tailMs: number;
      /** 0..1: e.g. 0.01 for one answer in a hundred. */
      readonly tailRatio: number;
      /** Same seed, same sequence of delays. Default 7. */
      readonly seed?: number;
    };

/** The delay a node adds, as its `latencyMs` option takes it: a number, or a function drawing one per answer. */
export function latencyOf(spec: LatencySpec): number | (() => number) {
  if (typeof spec === 'number') return spec;
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'heavy-tail': {
      if (!(spec.tailRatio >= 0 && spec.tailRatio <= 1))
        throw new RangeError('tailRatio must be from 0 to 1');
      // Seeded, so two runs of a benchmark draw the same slow answers.
      const random = createRandom(spec.seed ?? 7);
      return () => (random.chance(spec.tailRatio) ? spec.tailMs : spec.ms);
    }
  }
}
