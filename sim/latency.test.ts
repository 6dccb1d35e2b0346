import { latencyOf } from './latency';

describe('simulated node latency', () => {
  it('when the latency is a number or fixed, then every answer waits that long', () => {
    expect(latencyOf(50)).toBe(50);
    expect(latencyOf({ kind: 'fixed', ms: 20 })).toBe(20);
  });

  it('when the latency has a heavy tail, then about that share of answers wait the tail and the rest the base', () => {
    const draw = latencyOf({ kind: 'heavy-tail', ms: 50, tailMs: 2000, tailRatio: 0.01 }) as () => number;
    const delays = Array.from({ length: 100_000 }, () => draw());
    const slow = delays.filter((ms) => ms === 2000).length;
    expect(delays.every((ms) => ms === 50 || ms === 2000)).toBe(true);
    expect(slow).toBeGreaterThan(800);
    expect(slow).toBeLessThan(1200);
  });

  it('when two heavy tails share a seed, then they draw the same delays; another seed draws others', () => {
    const spec = { kind: 'heavy-tail', ms: 50, tailMs: 2000, tailRatio: 0.1 } as const;
    const sequence = (seed: number): number[] => {
      const draw = latencyOf({ ...spec, seed }) as () => number;
      return Array.from({ length: 200 }, () => draw());
    };
    expect(sequence(3)).toEqual(sequence(3));
    expect(sequence(3)).not.toEqual(sequence(4));
  });

  it('when the tail ratio is not a share, then it is refused', () => {
    expect(() => latencyOf({ kind: 'heavy-tail', ms: 50, tailMs: 2000, tailRatio: 1.5 })).toThrow(RangeError);
  });
});
