import type { Redis } from 'ioredis';

/**
 * When a subscription last heard from the broker, shared by every process that delivers: a heartbeat
 * is due only when nothing was sent for a whole period, and only one process may send it.
 */
export interface HeartbeatClock {
  /** Takes this period's heartbeat: true for one caller per period, false when anything was sent within it. */
  claim(subscriptionId: string, periodMs: number): Promise<boolean>;
  /** Something was sent to the subscriber: its next heartbeat is a period from now. */
  touch(subscriptionId: string, periodMs: number): Promise<void>;
}

/** One process (embedded mode): a map. */
export class MemoryHeartbeatClock implements HeartbeatClock {
  private readonly lastSent = new Map<string, number>();

  claim(subscriptionId: string, periodMs: number): Promise<boolean> {
    const now = Date.now();
    const last = this.lastSent.get(subscriptionId);
    if (last !== undefined && now - last < periodMs) return Promise.resolve(false);
    this.lastSent.set(subscriptionId, now);
    return Promise.resolve(true);
  }

  touch(subscriptionId: string): Promise<void> {
    this.lastSent.set(subscriptionId, Date.now());
    return Promise.resolve();
  }
}

/**
 * Every pod (Redis): a key per subscription that lives one period. Claiming is SET NX with that
 * lifetime, so of the pods that find it due, one sends; any send renews it.
 */
export class RedisHeartbeatClock implements HeartbeatClock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claim(subscriptionId: string, periodMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(subscriptionId), '1', 'PX', periodMs, 'NX')) === 'OK';
  }

  async touch(subscriptionId: string, periodMs: number): Promise<void> {
    await this.redis.set(this.key(subscriptionId), '1', 'PX', periodMs);
  }

  private key(subscriptionId: string): string {
    return `${this.prefix}:heartbeat:${subscriptionId}`;
  }
}
