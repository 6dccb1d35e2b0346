import type { Journal, JournalEntry } from '../audit/journal/journal';
import { redeliveryBodySchema } from './dead-letters';
import type { NotificationJob } from './notification-entry';
import { LogThrottle } from '../jobs/log-throttle';
import type { Logger } from '../observability/logger';
import type { FanOut } from './fan-out';
import { inSpan, SPAN } from '../observability/spans';
import { NOTIFY_SINK } from './notification-deliverer';
import type { NotificationQueue } from './notification-queue';

function jobOf(entry: JournalEntry): NotificationJob {
  if (entry.stream === 'notification') return { notificationId: entry.id, subscriptionId: entry.keys.ref! };
  const { notificationId, subscriptionId } = redeliveryBodySchema.parse(entry.body);
  return { notificationId, subscriptionId, redeliveryId: entry.id };
}

/** The outbox mark of an event once its notifications are committed. */
export const FAN_OUT_SINK = 'fan-out';
const BATCH = 250;

/**
 * The journal is the outbox for events too: each sweep fans out the events not yet fanned out
 * (committing their notifications), then queues every notification not yet handled, oldest first.
 * Redis (or this process) can lose every job: the next sweep queues them again. One sweep at a time.
 */
export class NotificationRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly failures = new LogThrottle(60_000);

  constructor(
    private readonly options: {
      readonly journal: Journal;
      readonly fanOut: FanOut;
      readonly queue: NotificationQueue;
      readonly intervalMs: number;
      readonly logger: Logger;
    },
  ) {}

  start(): void {
    this.schedule(0);
  }

  nudge(): void {
    if (this.closed) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sweep(), delayMs);
    this.timer.unref();
  }

  private sweep(): Promise<void> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
      const next = this.again ? 0 : this.options.intervalMs;
      this.again = false;
      this.schedule(next);
    });
    return this.running;
  }

  private async sweepOnce(): Promise<void> {
    const { journal, fanOut, queue } = this.options;
    try {
      const events = await journal.undelivered(FAN_OUT_SINK, ['event'], BATCH);
      for (const event of events) {
        await inSpan(SPAN.eventFanOut, { 'hie.event.id': event.id }, async (span) => {
          span.setAttribute('hie.notifications', await fanOut.run(event));
        });
        await journal.markDelivered(event.id, FAN_OUT_SINK);
      }
      if (events.length === BATCH) this.again = true;
      // Redeliveries an administrator asked for join their subscriber's lane like any notification.
      const pending = await journal.undelivered(
        NOTIFY_SINK,
        ['notification', 'notification-redelivery'],
        BATCH,
      );
      if (pending.length > 0 && queue.ready()) {
        await queue.enqueue(pending.map(jobOf));
      }
    } catch (error) {
      const passed = this.failures.pass('sweep');
      if (passed)
        this.options.logger.warn(
          { err: error, ...passed },
          'notification sweep failed; retrying at the next interval',
        );
    }
  }
}
