import type { Logger } from '../observability/logger';
import { jobKey, type NotificationJob } from './notification-entry';
import { KEEP_COMPLETED, type NotificationQueue } from './notification-queue';
import { DeliveryStopped } from './notification-deliverer';

type Deliver = (job: NotificationJob, signal: AbortSignal) => Promise<unknown>;

/**
 * The embedded equivalent of the per-subscriber BullMQ queues: one FIFO lane per subscription, one
 * delivery at a time in each, every lane independent. Losing it (a restart) loses nothing: the
 * journal still lists every notification not yet handled.
 */
export class InProcessLanes implements NotificationQueue {
  private readonly lanes = new Map<string, { queue: NotificationJob[]; running?: Promise<void> }>();
  private readonly held = new Set<string>();
  private readonly completed = new Set<string>();
  private readonly stop = new AbortController();

  constructor(
    private readonly options: {
      readonly deliver: Deliver;
      readonly logger: Logger;
      readonly onIdle?: () => void;
    },
  ) {}

  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    if (this.stop.signal.aborted) return;
    for (const job of jobs) {
      const key = jobKey(job);
      if (this.held.has(key) || this.completed.has(key)) continue;
      this.held.add(key);
      let lane = this.lanes.get(job.subscriptionId);
      if (!lane) this.lanes.set(job.subscriptionId, (lane = { queue: [] }));
      lane.queue.push(job);
      lane.running ??= this.drain(job.subscriptionId);
    }
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.lanes.values()].map((lane) => lane.running));
  }

  private async drain(subscriptionId: string): Promise<void> {
    const lane = this.lanes.get(subscriptionId)!;
    await Promise.resolve();
    while (lane.queue.length > 0 && !this.stop.signal.aborted) {
      const job = lane.queue[0]!;
      try {
        await this.options.deliver(job, this.stop.signal);
        this.remember(jobKey(job));
      } catch (error) {
        if (error instanceof DeliveryStopped) break;
        // The journal failed (e.g. down): the notification stays undelivered there; a later sweep brings it back.
        this.options.logger.warn(
          { err: error, subscriptionId },
          'notification delivery failed; left for the next sweep',
        );
        // The whole lane goes, so that the next sweep brings it back in order.
        for (const held of lane.queue) this.held.delete(jobKey(held));
        lane.queue.length = 0;
        break;
      }
      lane.queue.shift();
      this.held.delete(jobKey(job));
    }
    lane.running = undefined;
    if ([...this.lanes.values()].every((l) => !l.running)) this.options.onIdle?.();
  }

  private remember(id: string): void {
    this.completed.add(id);
    if (this.completed.size > KEEP_COMPLETED) this.completed.delete(this.completed.values().next().value!);
  }
}
