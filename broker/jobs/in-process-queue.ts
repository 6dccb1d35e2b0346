import { deliveryJobId, type DeliveryJob } from './delivery-job';
import type { Attempt } from './entry-deliverer';
import type { DeliveryQueue } from './outbox-relay';
import { DeliveryFailure } from './sink-client';
import { retryDelayMs, type RetryPolicy } from './retry-policy';

interface QueuedJob {
  readonly job: DeliveryJob;
  attemptsMade: number;
  timer?: NodeJS.Timeout;
}

export interface InProcessQueueOptions {
  readonly retry: RetryPolicy;
  readonly concurrency: number;
  readonly process: (job: DeliveryJob, attempt: Attempt) => Promise<void>;
  /** Called when the queue has worked through everything it was given (the relay may have more). */
  readonly onDrained?: () => void;
}

/**
 * The embedded equivalent of a BullMQ queue and worker: the same job ids (a queued or recently
 * completed job is not added twice), attempts, exponential backoff and removal after the last attempt,
 * in memory. Losing it (a restart) loses nothing: the journal still lists what is undelivered.
 */
export class InProcessQueue implements DeliveryQueue {
  private readonly queued = new Map<string, QueuedJob>();
  private readonly waiting: QueuedJob[] = [];
  private readonly active = new Set<Promise<void>>();
  /** Job id → when it completed; kept as BullMQ keeps completed jobs, so a sweep racing a completion adds nothing. */
  private readonly completed = new Map<string, number>();
  private progressed = false;
  private closed = false;

  constructor(private readonly options: InProcessQueueOptions) {}

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    if (this.closed) return;
    this.forgetCompleted();
    for (const job of jobs) {
      const id = deliveryJobId(job);
      if (this.queued.has(id) || this.completed.has(id)) continue;
      const queued: QueuedJob = { job, attemptsMade: 0 };
      this.queued.set(id, queued);
      this.waiting.push(queued);
    }
    this.pump();
  }

  /** Jobs waiting, delayed for a retry, or being delivered. */
  get size(): number {
    return this.queued.size;
  }

  /** Stops taking jobs, drops those waiting (they stay undelivered in the journal) and lets the active ones finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queued.values()) clearTimeout(queued.timer);
    this.waiting.length = 0;
    await Promise.allSettled([...this.active]);
    this.queued.clear();
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.options.concurrency && this.waiting.length > 0) {
      const queued = this.waiting.shift()!;
      const running = this.attempt(queued).finally(() => {
        this.active.delete(running);
        this.pump();
        if (this.queued.size === 0 && this.progressed && !this.closed) {
          this.progressed = false;
          this.options.onDrained?.();
        }
      });
      this.active.add(running);
    }
  }

  private async attempt(queued: QueuedJob): Promise<void> {
    const id = deliveryJobId(queued.job);
    queued.attemptsMade += 1;
    const { attempts } = this.options.retry;
    try {
      await this.options.process(queued.job, { number: queued.attemptsMade, of: attempts });
      this.queued.delete(id);
      this.completed.set(id, Date.now());
      this.progressed = true;
    } catch (error) {
      const retryable = !(error instanceof DeliveryFailure) || error.retryable;
      if (this.closed || !retryable || queued.attemptsMade >= attempts) {
        // Removed, as BullMQ removes a failed job: the next sweep enqueues it afresh.
        this.queued.delete(id);
        return;
      }
      queued.timer = setTimeout(
        () => {
          queued.timer = undefined;
          if (this.closed) return;
          this.waiting.push(queued);
          this.pump();
        },
        retryDelayMs(this.options.retry, queued.attemptsMade),
      );
      queued.timer.unref();
    }
  }

  private forgetCompleted(): void {
    const before = Date.now() - this.options.retry.keepCompletedMs;
    for (const [id, at] of this.completed) {
      if (at >= before && this.completed.size <= this.options.retry.keepCompletedCount) break;
      this.completed.delete(id);
    }
  }
}
