import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { closeRedis } from '../redis/close-redis';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger';
import {
  DELIVERY_QUEUES,
  SINK_ROUTES,
  deliveryJobId,
  deliveryJobSchema,
  type DeliveryJob,
  type DeliveryQueueName,
} from './delivery-job';
import type { EntryDeliverer } from './entry-deliverer';
import { LogThrottle } from './log-throttle';
import type { DeliveryQueue } from './outbox-relay';
import { watchRedis } from './redis-watch';
import type { RetryPolicy } from './retry-policy';
import { DeliveryFailure } from './sink-client';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export interface BullmqDeliveryOptions {
  /** redis://… or ioredis options; this module makes its own connections from it. */
  readonly redis: string | RedisOptions;
  /** Key prefix, one per broker id, so that deployments and tests can share a Redis. */
  readonly prefix: string;
  readonly retry: RetryPolicy;
  /** Present when this process also delivers (roles `all` and `worker`); the `api` role only enqueues. */
  readonly consumer?: {
    readonly deliverer: EntryDeliverer;
    readonly concurrency: Readonly<Record<DeliveryQueueName, number>>;
    /** A queue ran dry after delivering: the relay may have more than its last batch. */
    readonly onDrained: () => void;
  };
  /** Redis is (again) reachable: whatever it lost, or what could not be enqueued meanwhile, can be now. */
  readonly onConnected: () => void;
  readonly connectionName: string;
  readonly logger: Logger;
}

/** Delivery jobs on BullMQ: the `audit-shipping` and `privacy-alerts` queues, and their workers. */
export class BullmqDelivery implements DeliveryQueue {
  private readonly producer: Redis;
  private readonly consumer: Redis | undefined;
  private readonly queues: ReadonlyMap<DeliveryQueueName, Queue>;
  private readonly workers: Worker[] = [];
  private readonly jobOptions: JobsOptions;
  private readonly errorLogs = new LogThrottle(60_000);

  constructor(private readonly options: BullmqDeliveryOptions) {
    const { logger, prefix } = options;
    // Enqueueing fails fast when Redis is away (the sweep retries); BullMQ workers need commands that wait.
    this.producer = connect(options.redis, {
      maxRetriesPerRequest: 1,
      connectionName: options.connectionName,
    });
    watchRedis(this.producer, logger, 'delivery queue');
    this.producer.on('ready', () => options.onConnected());
    this.jobOptions = {
      attempts: options.retry.attempts,
      backoff: { type: 'exponential', delay: options.retry.backoffMs, jitter: options.retry.jitter },
      removeOnComplete: {
        age: Math.ceil(options.retry.keepCompletedMs / 1000),
        count: options.retry.keepCompletedCount,
      },
      // The journal is the record of what failed: a spent job goes, so that the next sweep can enqueue it again.
      removeOnFail: true,
    };
    this.queues = new Map(
      DELIVERY_QUEUES.map((name) => {
        const queue = new Queue(name, { connection: this.producer, prefix, skipWaitingForReady: true });
        queue.on('error', (error: Error) => this.logError(name, 'delivery queue error', error));
        return [name, queue];
      }),
    );

    const { consumer } = options;
    if (!consumer) return;
    this.consumer = connect(options.redis, {
      maxRetriesPerRequest: null,
      connectionName: `${options.connectionName}-worker`,
    });
    watchRedis(this.consumer, logger, 'delivery worker');
    for (const name of DELIVERY_QUEUES) {
      const worker = new Worker(name, (job: Job) => this.process(name, job, consumer.deliverer), {
        connection: this.consumer,
        prefix,
        concurrency: consumer.concurrency[name],
        name: options.connectionName,
      });
      let progressed = false;
      worker.on('completed', () => (progressed = true));
      worker.on('drained', () => {
        if (!progressed) return;
        progressed = false;
        consumer.onDrained();
      });
      worker.on('error', (error: Error) => this.logError(name, 'delivery worker error', error));
      this.workers.push(worker);
    }
  }

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    // BullMQ would wait for the connection; the sweep should rather fail now and try again at its next interval.
    if (this.producer.status !== 'ready') throw new Error('Redis is not connected');
    for (const [name, queue] of this.queues) {
      const mine = jobs.filter((job) => SINK_ROUTES[job.sink].queue === name);
      if (mine.length === 0) continue;
      // A job id already in the queue (waiting, delayed, active or recently completed) is not added again.
      await queue.addBulk(
        mine.map((job) => ({
          name: job.sink,
          data: {
            entryId: job.entryId,
            sink: job.sink,
            ...(job.traceparent ? { traceparent: job.traceparent } : {}),
          } satisfies DeliveryJob,
          opts: { ...this.jobOptions, jobId: deliveryJobId(job) },
        })),
      );
    }
  }

  /** Redis answers on every connection this process uses. */
  ready(): boolean {
    return this.producer.status === 'ready' && (this.consumer?.status ?? 'ready') === 'ready';
  }

  /** Lets jobs being delivered finish (each is bounded by its sink's timeout), then closes the connections. */
  async close(): Promise<void> {
    // With Redis away nothing in hand can be acknowledged: drop the connections so that no command
    // waits for a reconnection that may never come (the journal still lists those entries).
    const connected = this.ready();
    if (!connected) {
      this.producer.disconnect();
      this.consumer?.disconnect();
    }
    await Promise.allSettled(this.workers.map((worker) => worker.close(!connected)));
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    await Promise.all([
      closeRedis(this.producer, this.options.logger),
      closeRedis(this.consumer, this.options.logger),
    ]);
  }

  /** Redis going away fails every job in hand and every poll, each naming its job: one line per kind a minute. */
  private logError(queue: DeliveryQueueName, msg: string, error: Error): void {
    const passed = this.errorLogs.pass(`${queue}|${msg}|${error.message.replace(UUID, '…')}`);
    if (passed) this.options.logger.warn({ err: error, queue, ...passed }, msg);
  }

  private async process(queue: DeliveryQueueName, job: Job, deliverer: EntryDeliverer): Promise<void> {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) {
      this.options.logger.error({ queue, jobId: job.id }, 'delivery job with a malformed payload: dropped');
      throw new UnrecoverableError('Malformed delivery job');
    }
    try {
      await deliverer.run(parsed.data, { number: job.attemptsMade + 1, of: job.opts.attempts ?? 1 });
    } catch (error) {
      if (error instanceof DeliveryFailure && !error.retryable) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}

function connect(redis: string | RedisOptions, extra: RedisOptions): Redis {
  return typeof redis === 'string' ? new Redis(redis, extra) : new Redis({ ...redis, ...extra });
}
