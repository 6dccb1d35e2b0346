import type { RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AuditConfig } from '../../config/schema';
import type { Journal } from '../audit/journal/journal';
import type { Logger } from '../observability/logger';
import type { EntryTraces } from '../observability/entry-traces';
import { readSecret } from '../../core/trust/secret';
import { BullmqDelivery } from './bullmq-delivery';
import {
  DELIVERY_QUEUES,
  SINK_NAMES,
  SINK_ROUTES,
  type DeliveryQueueName,
  type SinkName,
} from './delivery-job';
import { DeliveryMetrics } from './delivery-metrics';
import { EntryDeliverer } from './entry-deliverer';
import { InProcessQueue } from './in-process-queue';
import { OutboxRelay, type DeliveryQueue } from './outbox-relay';
import { retryPolicy } from './retry-policy';

export interface StartDeliveryOptions {
  readonly journal: Journal;
  readonly audit: Pick<AuditConfig, 'sinks' | 'delivery'>;
  /** Prefixes the Redis keys, so that several brokers (and tests) can share one Redis. */
  readonly brokerId: string;
  /** When set, jobs go through BullMQ in Redis; otherwise they run in this process. */
  readonly redis?: string | RedisOptions | undefined;
  readonly logger: Logger;
  /** The process's metrics registry (the API's, or the worker's). */
  readonly registry: Registry;
  /**
   * Whether this process delivers as well as relays (default true). The `api` role passes false: it
   * enqueues after each commit and worker processes deliver. Needs `redis`.
   */
  readonly deliver?: boolean;
  readonly userAgent?: string;
  /** The traces committed entries were made in, carried into their jobs (this process's commits only). */
  readonly traces?: EntryTraces;
}

export interface RunningDelivery {
  /** Call after each journal commit: the relay sweeps at once instead of at its next interval. */
  nudge(): void;
  /** Whether the job carrier is reachable (always, in process). */
  ready(): boolean;
  /** Stops sweeping, lets deliveries under way finish, closes connections. */
  close(): Promise<void>;
}

/**
 * Entries read per sink and sweep. A sweep re-reads entries already queued (the journal cannot tell
 * queued from new), so a small batch keeps a backlog cheap to sweep; a queue that runs dry asks for
 * the next batch at once, so throughput is not bound by the interval.
 */
const SWEEP_BATCH = 250;
/**
 * After a sweep, nudges wait this long for the next one: the first commit after a quiet spell is
 * relayed at once, and a burst of commits costs a few sweeps a second, not one per commit.
 */
const NUDGE_GAP_MS = 250;
/** Deliveries under way at once, per queue (and process). */
const CONCURRENCY: Readonly<Record<DeliveryQueueName, number>> = {
  'audit-shipping': 16,
  'privacy-alerts': 4,
};

/**
 * Relays committed journal entries to the configured sinks: through BullMQ when Redis is configured
 * (any number of worker processes), in this process otherwise (the embedded default). Either way the
 * journal is the outbox, so nothing committed is lost by a restart of the broker or of Redis.
 */
export function startDelivery(options: StartDeliveryOptions): RunningDelivery {
  const { audit, logger } = options;
  const deliver = options.deliver ?? true;
  if (!deliver && !options.redis)
    throw new Error('Audit delivery outside this process needs Redis (set REDIS_URL or redis.url)');
  const sinks = SINK_NAMES.filter((name) => audit.sinks[name] !== undefined);
  const metrics = new DeliveryMetrics(options.registry);
  if (sinks.length === 0) {
    logger.info('no audit sinks configured: committed events stay in the journal only');
    return { nudge: () => {}, ready: () => true, close: async () => {} };
  }
  checkTokens(audit.sinks, sinks);

  const retry = retryPolicy(audit.delivery);
  // Sweep soon when a queue ran dry (the journal may hold more than one batch) or Redis came back (it
  // may have lost its jobs). Both are events that come after the relay below exists: it enqueues first.
  const nudge = (): void => relay.nudge();
  const deliverer = deliver
    ? new EntryDeliverer({
        journal: options.journal,
        sinks: audit.sinks,
        metrics,
        logger,
        maxSockets: Math.max(...Object.values(CONCURRENCY)),
        userAgent: options.userAgent ?? 'hie-broker',
      })
    : undefined;

  let queue: DeliveryQueue & { close(): Promise<void> };
  let ready: () => boolean;
  if (options.redis) {
    const bull = new BullmqDelivery({
      redis: options.redis,
      prefix: `hie-broker:${options.brokerId}:jobs`,
      retry,
      ...(deliverer ? { consumer: { deliverer, concurrency: CONCURRENCY, onDrained: nudge } } : {}),
      onConnected: nudge,
      connectionName: `hie-broker-${options.brokerId}-delivery`,
      logger,
    });
    queue = bull;
    ready = () => bull.ready();
  } else {
    const local = new Map(
      DELIVERY_QUEUES.map((name) => [
        name,
        new InProcessQueue({
          retry,
          concurrency: CONCURRENCY[name],
          process: (job, attempt) => deliverer!.run(job, attempt),
          onDrained: nudge,
        }),
      ]),
    );
    queue = {
      enqueue: async (jobs) => {
        for (const [name, q] of local)
          await q.enqueue(jobs.filter((job) => SINK_ROUTES[job.sink].queue === name));
      },
      close: async () => {
        await Promise.all([...local.values()].map((q) => q.close()));
      },
    };
    ready = () => true;
  }

  const relay = new OutboxRelay({
    journal: options.journal,
    sinks,
    queue,
    intervalMs: audit.delivery.relayIntervalMs,
    batch: SWEEP_BATCH,
    minGapMs: NUDGE_GAP_MS,
    metrics,
    logger,
    ...(options.traces ? { traces: options.traces } : {}),
  });
  relay.start();
  logger.info({ sinks, mode: options.redis ? 'bullmq' : 'in-process', deliver }, 'audit delivery started');

  let closing: Promise<void> | undefined;
  return {
    nudge,
    ready,
    close: () =>
      (closing ??= (async () => {
        await relay.close();
        await queue.close();
        deliverer?.close();
      })()),
  };
}

/** A token that cannot be read is a configuration error: say so at start, not at the first delivery. */
function checkTokens(configured: StartDeliveryOptions['audit']['sinks'], sinks: readonly SinkName[]): void {
  for (const name of sinks) {
    const token = configured[name]?.token;
    if (!token) continue;
    try {
      readSecret(token);
    } catch (cause) {
      throw new Error(`The token of audit sink ${name} (audit.sinks.${name}.token) cannot be read`, {
        cause,
      });
    }
  }
}
