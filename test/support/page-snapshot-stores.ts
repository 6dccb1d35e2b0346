/* Shared by the page snapshot stores' tests: each store over real state (memory, or the local Redis under a prefix of its own). */
import { randomBytes } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { MemoryPageSnapshotStore } from '../../broker/paging/memory-page-snapshot-store';
import type { PageSnapshotStore, PageSubject } from '../../broker/paging/page-snapshot-store';
import {
  RedisPageSnapshotStore,
  type RedisPageSnapshotStoreOptions,
} from '../../broker/paging/redis-page-snapshot-store';

export const REDIS_URL = 'redis://127.0.0.1:6379';

export const STORE_KINDS = ['memory', 'redis'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const subject: PageSubject = { nhsNumber: '9000000009', queryId: 'q-1' };
export const bundle: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  total: 1,
  entry: [
    {
      resource: {
        resourceType: 'Patient',
        id: '9000000009',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }],
        name: [{ family: 'CLARKE', given: ['Amelia'] }],
      },
      search: { mode: 'match' },
    },
  ],
};

/** Stores of one kind for one test, over state of their own, and time passing for them. */
export interface StoreHarness {
  /** The stores' ttlMs: short for Redis, whose clock is real. */
  readonly ttlMs: number;
  /** A store; with Redis, every store of a harness shares the same keys, as a cluster's processes do. */
  store(options?: { maxSnapshots?: number; maxBytes?: number; maxBytesPerOwner?: number }): PageSnapshotStore;
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function storeHarness(kind: StoreKind): Promise<StoreHarness> {
  return kind === 'memory' ? memoryHarness() : RedisHarness.start();
}

function memoryHarness(): StoreHarness {
  let now = 1_000;
  const ttlMs = 100;
  return {
    ttlMs,
    store: (options = {}) => new MemoryPageSnapshotStore({ ttlMs, clock: () => now, ...options }),
    advance: async (ms) => {
      now += ms;
    },
    close: async () => {},
  };
}

/** The local Redis, under a random prefix that is scanned and deleted at the end. */
export class RedisHarness implements StoreHarness {
  private constructor() {}

  /** Connected: the store fails fast on a client that is not ready. */
  static async start(): Promise<RedisHarness> {
    const harness = new RedisHarness();
    await harness.redis.ping();
    return harness;
  }

  readonly ttlMs = 300;
  readonly redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  readonly prefix = `hie-broker:test-${randomBytes(6).toString('hex')}:page:`;
  readonly key = randomBytes(32);

  store(options: Partial<RedisPageSnapshotStoreOptions> = {}): RedisPageSnapshotStore {
    return new RedisPageSnapshotStore({
      redis: this.redis,
      keyPrefix: this.prefix,
      ttlMs: this.ttlMs,
      key: this.key,
      ...options,
    });
  }

  async advance(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Every key under the prefix. */
  async keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  async close(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.redis.del(...keys);
    await this.redis.quit();
  }
}
