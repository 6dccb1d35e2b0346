export interface ExtraCallBudgetOptions {
  /** Extra calls allowed per call made, e.g. 0.1: at most 10% more calls. */
  readonly ratio: number;
  /** The sliding window the ratio is measured over. Default 10 s. */
  readonly windowMs?: number;
  /** Extra calls allowed in any window regardless of traffic, so a quiet source can still retry. Default 3. */
  readonly minPerWindow?: number;
  readonly now?: () => number;
}

const BUCKETS = 10;

interface Bucket {
  slot: number;
  calls: number;
  extras: number;
}

/**
 * A budget for extra calls to one source (retries, hedges), after Finagle's retry budget: an extra
 * call is allowed while extras over the last window stay under `ratio` × calls plus a small floor.
 * So when a source fails every call, retries add at most about `ratio` to its load instead of
 * multiplying it. Counts live in ten buckets that slide with the clock.
 */
export class ExtraCallBudget {
  private readonly bucketMs: number;
  private readonly minPerWindow: number;
  private readonly now: () => number;
  private readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({
    slot: -1,
    calls: 0,
    extras: 0,
  }));

  constructor(private readonly options: ExtraCallBudgetOptions) {
    this.bucketMs = Math.max(1, Math.floor((options.windowMs ?? 10_000) / BUCKETS));
    this.minPerWindow = options.minPerWindow ?? 3;
    this.now = options.now ?? Date.now;
  }

  /** Records a first-time call, which earns `ratio` of an extra one. */
  recordCall(): void {
    this.current().calls++;
  }

  /** Takes one extra call from the budget if there is room; false means do not make it. */
  tryExtra(): boolean {
    const slot = this.slot();
    let calls = 0;
    let extras = 0;
    for (const bucket of this.buckets) {
      if (bucket.slot > slot - BUCKETS) {
        calls += bucket.calls;
        extras += bucket.extras;
      }
    }
    if (extras >= Math.floor(calls * this.options.ratio) + this.minPerWindow) return false;
    this.current().extras++;
    return true;
  }

  private slot(): number {
    return Math.floor(this.now() / this.bucketMs);
  }

  private current(): Bucket {
    const slot = this.slot();
    const bucket = this.buckets[slot % BUCKETS]!;
    if (bucket.slot !== slot) {
      bucket.slot = slot;
      bucket.calls = 0;
      bucket.extras = 0;
    }
    return bucket;
  }
}
