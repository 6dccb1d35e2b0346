import type { Redis } from 'ioredis';

/**
 * Remembers single-use values (client-assertion jti) until they expire, so none is accepted twice.
 * In-process by default; in Redis when configured, so that every pod refuses a replay.
 */
export interface ReplayStore {
  /** True the first time `key` is claimed before `expiresAtSeconds`; false for a replay. */
  claimOnce(key: string, expiresAtSeconds: number): Promise<boolean>;
}

export class MemoryReplayStore implements ReplayStore {
  private readonly seen = new Map<string, number>();

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAtSeconds);
    return true;
  }
}

export class RedisReplayStore implements ReplayStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    // SET NX is atomic across pods; the key lives until the assertion could no longer be used (+1 s of skew).
    const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000) + 1);
    return (await this.redis.set(`${this.prefix}${key}`, '1', 'EX', ttl, 'NX')) === 'OK';
  }
}
