import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Journal } from '../audit/journal/journal';
import type { EntryTraces } from '../observability/entry-traces';
import type { Logger } from '../observability/logger';
import { SINK_ROUTES, type DeliveryJob, type SinkName } from './delivery-job';
import type { DeliveryMetrics } from './delivery-metrics';
import { LogThrottle } from './log-throttle';

/** Where the relay puts jobs: adding one that is already queued (same job id) must be a no-op. */
export interface DeliveryQueue {
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly journal: Journal;
  /** The configured sinks; the others are never swept. */
  readonly sinks: readonly SinkName[];
  readonly queue: DeliveryQueue;
  readonly intervalMs: number;
  /** Entries read per sink and sweep. */
  readonly batch: number;
  /** Nudges closer together than this share one sweep (bounds journal reads under a burst of commits). */
  readonly minGapMs: number;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
  /** The traces entries were committed in, carried into their jobs. */
  readonly traces?: EntryTraces;
}

/**
 * The outbox relay: the journal says what each sink has not yet acknowledged, and the relay turns that
 * into one job per (entry, sink) every interval and soon after each commit. Redis can lose every job:
 * the next sweep enqueues what is still undelivered. One sweep runs at a time.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastStarted = 0;
  private closed = false;
  private readonly failureLogs = new LogThrottle(60_000);

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** Sweep at once (or right after the sweep under way): an entry was just committed. */
  nudge(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(0, this.lastStarted + this.options.minGapMs - Date.now()));
  }

  /** One sweep over every configured sink; resolves when its jobs are enqueued (or it failed and was logged). */
  private sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.lastStarted = Date.now();
    this.running = this.sweepOnce().finally(() => {
      this.running = undefined;
      if (this.closed) return;
      const next = this.again ? this.options.minGapMs : this.options.intervalMs;
      this.again = false;
      this.schedule(next);
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    // A sweep belongs to no view's trace, whichever commit nudged it (its jobs carry their own).
    this.timer = setTimeout(() => context.with(ROOT_CONTEXT, () => void this.sweep()), delayMs);
    this.timer.unref();
  }

  private async sweepOnce(): Promise<void> {
    for (const sink of this.options.sinks) {
      try {
        const entries = await this.options.journal.undelivered(
          sink,
          SINK_ROUTES[sink].streams,
          this.options.batch,
        );
        this.options.metrics.backlog.set({ sink }, entries.length);
        if (entries.length === 0) continue;
        const { traces } = this.options;
        await this.options.queue.enqueue(
          entries.map((entry) => {
            const traceparent = traces?.traceparentOf(entry.id);
            return { entryId: entry.id, sink, ...(traceparent ? { traceparent } : {}) };
          }),
        );
      } catch (error) {
        // The journal or Redis is down: the entries wait in the journal for a later sweep (logged once a minute).
        const passed = this.failureLogs.pass(sink);
        if (passed)
          this.options.logger.warn(
            { err: error, sink, ...passed },
            'outbox sweep failed; retrying at the next interval',
          );
      }
    }
  }
}
