import type { Redis } from 'ioredis';

/**
 * Short-lived server-side state of the viewer, by random key: sessions, launches under way, and the
 * ids of signed launch tokens already used. In memory for one process; in Redis (under a prefix) when
 * the broker has one, so that a session works on whichever process or pod serves the next page.
 */
export interface SessionStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Stores the key only if it is absent; false when it was already there (a replay). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** At most so many entries in memory; the oldest go first (a flood of launches cannot grow the heap). */
const MAX_MEMORY_ENTRIES = 50_000;

export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, { value: string; until: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.clock() + ttlMs });
    if (this.entries.size > MAX_MEMORY_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, '1', ttlMs);
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    /** e.g. `hie-broker:{broker id}:viewer:` */
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** The connection is the broker's: it closes it. */
  async close(): Promise<void> {}
}
