import { JournalUnavailable } from './journal';

export interface GroupCommitOptions<I, R> {
  /**
   * Makes one batch durable (one transaction, or one write and fsync). Returns, per item in order, its
   * result or the error that item alone fails with (e.g. an id already in the journal). Throws when
   * the batch as a whole failed; it must then have recorded none of it.
   */
  readonly write: (items: readonly I[]) => Promise<readonly (R | Error)[]>;
  /** How much of a batch an item takes (entries in an append); a single item may exceed the bound. */
  readonly weight: (item: I) => number;
  readonly maxBatchWeight: number;
  /** Beyond this much waiting, callers are refused at once rather than queued without end. */
  readonly maxQueuedWeight: number;
}

interface Pending<I, R> {
  readonly item: I;
  readonly weight: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: while one batch is being made durable, further calls queue; the next batch takes
 * them all (up to the bound) at once. Each caller is answered only after its batch is durable, and
 * every caller in a batch that failed is refused with JournalUnavailable.
 */
export class GroupCommit<I, R> {
  private queue: Pending<I, R>[] = [];
  private queuedWeight = 0;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: GroupCommitOptions<I, R>) {}

  submit(item: I): Promise<R> {
    if (this.closed) return Promise.reject(new JournalUnavailable('The journal is closed'));
    const weight = this.options.weight(item);
    if (this.queuedWeight > 0 && this.queuedWeight + weight > this.options.maxQueuedWeight) {
      return Promise.reject(new JournalUnavailable('The journal is overloaded: too many writes waiting'));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      this.running ??= this.run();
    });
  }

  /** Takes no more calls and waits for those already queued to be answered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async run(): Promise<void> {
    // Calls made in the same turn as the first join its batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.take();
      let results: readonly (R | Error)[];
      try {
        results = await this.options.write(batch.map((p) => p.item));
      } catch (error) {
        const failure =
          error instanceof JournalUnavailable
            ? error
            : new JournalUnavailable('The journal could not commit', { cause: error });
        for (const pending of batch) pending.reject(failure);
        continue;
      }
      batch.forEach((pending, i) => {
        const result = results[i];
        if (result instanceof Error) pending.reject(result);
        else pending.resolve(result as R);
      });
    }
    this.running = undefined;
  }

  private take(): Pending<I, R>[] {
    let count = 0;
    let weight = 0;
    for (const next of this.queue) {
      if (count > 0 && weight + next.weight > this.options.maxBatchWeight) break;
      count += 1;
      weight += next.weight;
    }
    this.queuedWeight -= weight;
    return this.queue.splice(0, count);
  }
}
