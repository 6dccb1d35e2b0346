import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { closeRedis } from '../redis/close-redis';
import { LogThrottle } from '../jobs/log-throttle';
import { watchRedis } from '../jobs/redis-watch';
import type { Logger } from '../observability/logger';
import { jobKey, notificationJobSchema, type NotificationJob } from './notification-entry';
import { KEEP_COMPLETED, type NotificationQueue } from './notification-queue';

type Deliver = (job: NotificationJob, signal: AbortSignal) => Promise<unknown>;

export interface BullmqLanesOptions {
  readonly redis: string;
  /** Key prefix, one per broker id. */
  readonly prefix: string;
  /** Present when this process delivers; the `api` role only enqueues. */
  readonly deliver?: Deliver;
  /** Redis is (again) reachable: the relay may enqueue what it lost. */
  readonly onConnected: () => void;
  readonly connectionName: string;
  readonly logger: Logger;
  /**
   * A subscriber's worker (and its Redis connection) is closed after this long with nothing to do,
   * and opened again when its next notification is enqueued (by this process's sweep at the latest).
   */
  readonly workerIdleMs: number;
}

interface Lane {
  readonly worker: Worker;
  readonly connection: Redis;
  busy: number;
  lastActive: number;
}

/**
 * Notifications on BullMQ: one queue per subscription (`notify-<subscription id>`) with a worker of
 * concurrency 1, so that each subscriber's notifications go in order and a subscriber that is down
 * holds up only its own queue. A job is a reference (notification id, subscription id); its retries
 * happen inside the job (see NotificationDeliverer), so the next job waits behind it. A job lost with
 * Redis, or failed when a worker stopped, is enqueued again by the next sweep of the journal.
 */
export class BullmqLanes implements NotificationQueue {
  private readonly producer: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly lanes = new Map<string, Lane>();
  private readonly closing = new Set<Promise<void>>();
  private readonly idleTimer: NodeJS.Timeout;
  private readonly stop = new AbortController();
  private readonly errors = new LogThrottle(60_000);
  private readonly jobOptions: JobsOptions = {
    attempts: 1,
    removeOnComplete: { age: 600, count: KEEP_COMPLETED },
    // The journal is the record of what is undelivered: a failed job goes, and the next sweep adds it again.
    removeOnFail: true,
  };

  constructor(private readonly options: BullmqLanesOptions) {
    this.producer = new Redis(options.redis, {
      maxRetriesPerRequest: 1,
      connectionName: options.connectionName,
    });
    watchRedis(this.producer, options.logger, 'notification queue');
    this.producer.on('ready', () => options.onConnected());
    this.idleTimer = setInterval(
      () => this.closeIdle(),
      Math.max(50, Math.min(options.workerIdleMs / 2, 30_000)),
    );
    this.idleTimer.unref();
  }

  /** Workers open now (one Redis connection each). */
  workerCount(): number {
    return this.lanes.size;
  }

  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    if (this.stop.signal.aborted) return;
    if (this.producer.status !== 'ready') throw new Error('Redis is not connected');
    const bySubscription = new Map<string, NotificationJob[]>();
    for (const job of jobs)
      bySubscription.set(job.subscriptionId, [...(bySubscription.get(job.subscriptionId) ?? []), job]);
    for (const [subscriptionId, mine] of bySubscription) {
      const name = `notify-${subscriptionId}`;
      let queue = this.queues.get(name);
      if (!queue) {
        queue = new Queue(name, {
          connection: this.producer,
          prefix: this.options.prefix,
          skipWaitingForReady: true,
        });
        queue.on('error', (error: Error) => this.logError('notification queue error', error));
        this.queues.set(name, queue);
      }
      // In journal order; a job id already held (waiting, active or recently completed) is not added again.
      await queue.addBulk(
        mine.map((job) => ({
          name: 'notify',
          data: job,
          opts: { ...this.jobOptions, jobId: jobKey(job) },
        })),
      );
      this.ensureWorker(name);
    }
  }

  ready(): boolean {
    return this.producer.status === 'ready';
  }

  /** The producer's connection, for small shared state beside the queues (the heartbeat clock). */
  get connection(): Redis {
    return this.producer;
  }

  async close(): Promise<void> {
    this.stop.abort();
    clearInterval(this.idleTimer);
    const connected = this.ready();
    const lanes = [...this.lanes.values()];
    await Promise.allSettled(lanes.map((lane) => lane.worker.close(!connected)));
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    await Promise.allSettled([...this.closing]);
    const connections = lanes.map((lane) => lane.connection);
    if (!connected) for (const connection of connections) connection.disconnect();
    await Promise.all(
      [this.producer, ...connections].map((connection) => closeRedis(connection, this.options.logger)),
    );
  }

  /** Closes the workers that have had nothing to do for workerIdleMs, with their connections. */
  private closeIdle(): void {
    const now = Date.now();
    for (const [name, lane] of this.lanes) {
      if (lane.busy > 0 || now - lane.lastActive < this.options.workerIdleMs) continue;
      this.lanes.delete(name);
      const queue = this.queues.get(name);
      this.queues.delete(name);
      const closed = (async () => {
        await lane.worker.close();
        await queue?.close();
        await closeRedis(lane.connection, this.options.logger);
      })().catch((error: unknown) =>
        this.logError('closing an idle notification worker failed', error as Error),
      );
      this.closing.add(closed);
      void closed.finally(() => this.closing.delete(closed));
    }
  }

  private ensureWorker(name: string): void {
    const { deliver } = this.options;
    const open = this.lanes.get(name);
    if (open) open.lastActive = Date.now();
    if (!deliver || open || this.stop.signal.aborted) return;
    // Its own connection per worker: a blocking wait must not hold up the producer or other lanes.
    const connection = new Redis(this.options.redis, {
      maxRetriesPerRequest: null,
      connectionName: `${this.options.connectionName}-worker`,
    });
    watchRedis(connection, this.options.logger, 'notification worker');
    const worker = new Worker(
      name,
      async (job: Job) => {
        const parsed = notificationJobSchema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError('Malformed notification job');
        await deliver(parsed.data, this.stop.signal);
      },
      {
        connection,
        prefix: this.options.prefix,
        concurrency: 1,
        name: this.options.connectionName,
      },
    );
    worker.on('error', (error: Error) => this.logError('notification worker error', error));
    const lane: Lane = { worker, connection, busy: 0, lastActive: Date.now() };
    worker.on('active', () => {
      lane.busy += 1;
      lane.lastActive = Date.now();
    });
    const done = (): void => {
      lane.busy = Math.max(0, lane.busy - 1);
      lane.lastActive = Date.now();
    };
    worker.on('completed', done);
    worker.on('failed', done);
    this.lanes.set(name, lane);
  }

  private logError(msg: string, error: Error): void {
    const passed = this.errors.pass(`${msg}|${error.message}`);
    if (passed) this.options.logger.warn({ err: error, ...passed }, msg);
  }
}
