import type { Registry } from 'prom-client';
import type { EventsConfig } from '../../config/schema';
import type { SigningKey } from '../../core/trust/signing-key';
import type { Journal } from '../audit/journal/journal';
import type { ObjectionRegister } from '../governance/objection-register';
import type { Logger } from '../observability/logger';
import { FanOut } from './fan-out';
import { Heartbeats } from './heartbeats';
import { InProcessLanes } from './in-process-lanes';
import { NotificationDeliverer } from './notification-deliverer';
import { notificationBodySchema } from './notification-entry';
import { NotificationMetrics } from './notification-metrics';
import type { NotificationQueue } from './notification-queue';
import { NotificationRelay } from './notification-relay';
import { NotificationSender } from './notification-sender';
import { SubscriptionStore } from './subscription-store';
import { BullmqLanes } from './bullmq-lanes';
import { EndpointPolicy } from './endpoint-policy';
import { MemoryHeartbeatClock, RedisHeartbeatClock } from './heartbeat-clock';

export interface RunningNotifications {
  readonly subscriptions: SubscriptionStore;
  readonly sender: NotificationSender;
  /** Where subscriber endpoints may point (checked at creation and at each delivery). */
  readonly endpoints: EndpointPolicy;
  /** How many notifications a subscription has had (its events-since-subscription-start). */
  eventsSince(subscriptionId: string): Promise<number>;
  /** An event was committed: fan out and deliver now rather than at the next sweep. */
  nudge(): void;
  close(): Promise<void>;
}

/**
 * Real-time notifications from the journal: fan-out, and delivery through BullMQ (one queue per
 * subscriber) when Redis is configured, in this process otherwise. The `api` role relays only.
 */
export function startNotifications(options: {
  readonly journal: Journal;
  readonly objections: ObjectionRegister;
  readonly key: SigningKey;
  readonly config: EventsConfig;
  readonly redis?: string | undefined;
  readonly brokerId: string;
  readonly brokerOds: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Whether this process delivers (else, with Redis, it only relays). */
  readonly deliver: boolean;
  readonly baseUrl: () => string;
  readonly userAgent: string;
}): RunningNotifications {
  const { journal, logger, config } = options;
  const subscriptions = new SubscriptionStore(journal);
  const metrics = new NotificationMetrics(options.registry);
  const endpoints = new EndpointPolicy({
    allowHttp: config.allowHttpEndpoints,
    allowPrivateNetworks: config.subscriberEndpoints.allowPrivateNetworks,
    allowedHosts: config.subscriberEndpoints.allowedHosts,
  });
  const sender = new NotificationSender({
    endpoints,
    key: options.key,
    timeoutMs: config.delivery.timeoutMs,
    userAgent: options.userAgent,
  });
  const eventsSince = async (subscriptionId: string): Promise<number> => {
    const [last] = await journal.query({
      stream: 'notification',
      ref: subscriptionId,
      order: 'newest-first',
      limit: 1,
    });
    return last ? notificationBodySchema.parse(last.body).eventNumber : 0;
  };
  let heartbeats: Heartbeats | undefined;
  const deliverer = new NotificationDeliverer({
    journal,
    subscriptions,
    sender,
    metrics,
    logger,
    retry: { attempts: config.delivery.attempts, backoffMs: config.delivery.backoffMs, jitter: 0.2 },
    baseUrl: options.baseUrl,
    broker: { id: options.brokerId, odsCode: options.brokerOds },
    onAttempt: (subscriptionId) => heartbeats?.touched(subscriptionId),
  });
  const nudge = (): void => relay.nudge();
  let queue: NotificationQueue;
  if (options.redis) {
    queue = new BullmqLanes({
      redis: options.redis,
      prefix: `hie-broker:${options.brokerId}:notify`,
      ...(options.deliver ? { deliver: (job, signal) => deliverer.deliver(job, signal) } : {}),
      onConnected: nudge,
      connectionName: `hie-broker-${options.brokerId}-notify`,
      workerIdleMs: config.delivery.workerIdleMs,
      logger,
    });
  } else {
    if (!options.deliver)
      throw new Error('Notification delivery outside this process needs Redis (set REDIS_URL)');
    queue = new InProcessLanes({ deliver: (job, signal) => deliverer.deliver(job, signal), logger });
  }
  if (options.deliver)
    heartbeats = new Heartbeats({
      subscriptions,
      sender,
      clock:
        queue instanceof BullmqLanes
          ? new RedisHeartbeatClock(queue.connection, `hie-broker:${options.brokerId}:notify`)
          : new MemoryHeartbeatClock(),
      baseUrl: options.baseUrl,
      eventsSince,
      logger,
    });
  const fanOut = new FanOut({ journal, subscriptions, objections: options.objections, metrics, logger });
  const relay = new NotificationRelay({
    journal,
    fanOut,
    queue,
    intervalMs: config.delivery.relayIntervalMs,
    logger,
  });
  relay.start();
  let closing: Promise<void> | undefined;
  return {
    subscriptions,
    sender,
    endpoints,
    eventsSince,
    nudge,
    close: () =>
      (closing ??= (async () => {
        heartbeats?.close();
        await relay.close();
        await queue.close();
        sender.close();
      })()),
  };
}
