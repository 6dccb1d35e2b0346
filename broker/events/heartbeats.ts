import type { Logger } from '../observability/logger';
import type { HeartbeatClock } from './heartbeat-clock';
import { notificationBundle } from './notification-bundle';
import type { NotificationSender } from './notification-sender';
import type { SubscriptionStore } from './subscription-store';

/** How often heartbeats are considered; a subscription's period is in whole seconds. */
const TICK_MS = 1000;

/**
 * Heartbeats (Backport IG): a subscription with a heartbeat period hears from the broker at least that
 * often, so its owner can tell silence from a broken channel. Not journalled and not retried: a lost
 * heartbeat is itself the signal. Several delivering pods share the clock (Redis), so one heartbeat
 * goes per period across the cluster, not one per pod.
 */
export class Heartbeats {
  private readonly periods = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly options: {
      readonly subscriptions: SubscriptionStore;
      readonly sender: NotificationSender;
      readonly clock: HeartbeatClock;
      readonly baseUrl: () => string;
      readonly eventsSince: (subscriptionId: string) => Promise<number>;
      readonly logger: Logger;
    },
  ) {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Something was sent to the subscription: its next heartbeat is a period from now. */
  touched(subscriptionId: string): void {
    const period = this.periods.get(subscriptionId);
    if (period === undefined) return;
    this.options.clock
      .touch(subscriptionId, period)
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'heartbeat clock unavailable'));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const subscription of await this.options.subscriptions.active()) {
        if (!subscription.heartbeatSeconds) continue;
        const period = subscription.heartbeatSeconds * 1000;
        this.periods.set(subscription.id, period);
        // The handshake counts as the first thing it heard.
        if (now - Date.parse(subscription.created) < period) continue;
        if (!(await this.options.clock.claim(subscription.id, period))) continue;
        const bundle = notificationBundle({
          baseUrl: this.options.baseUrl(),
          subscription,
          type: 'heartbeat',
          eventsSinceStart: await this.options.eventsSince(subscription.id),
        });
        await this.options.sender.send(subscription.endpoint, bundle, bundle.id!);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'heartbeat sweep failed');
    } finally {
      this.busy = false;
    }
  }
}
