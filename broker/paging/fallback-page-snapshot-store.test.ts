import { createLogger } from '../observability/logger';
import { unreachableRedis } from '../../test/support/unreachable-redis';
import { captureLogs } from '../../test/support/log-capture';
import { FallbackPageSnapshotStore } from './fallback-page-snapshot-store';
import { MemoryPageSnapshotStore } from './memory-page-snapshot-store';
import { PageStoreUnavailable } from './page-snapshot-store';
import { RedisHarness, bundle, subject } from '../../test/support/page-snapshot-stores';
import { RedisPageSnapshotStore } from './redis-page-snapshot-store';

describe('FallbackPageSnapshotStore (Redis, and this process while Redis is unavailable)', () => {
  let t: RedisHarness;
  beforeEach(async () => {
    t = await RedisHarness.start();
  });
  afterEach(() => t.close());

  it('when Redis answers, then snapshots are kept there, where another process finds them', async () => {
    const local = new MemoryPageSnapshotStore({ ttlMs: t.ttlMs });
    const store = new FallbackPageSnapshotStore({
      shared: t.store(),
      local,
      logger: createLogger({ level: 'silent' }),
    });
    const snapshot = await store.save({ owner: 'u', subject, bundle });

    expect(local.size).toBe(0);
    expect(await t.store().find(snapshot.id, 'u')).toEqual({ status: 'found', snapshot });
    expect(await store.find(snapshot.id, 'u')).toEqual({ status: 'found', snapshot });
  });

  it('when Redis is down, then a snapshot is kept in this process and found here, an unknown id is PageStoreUnavailable, and the outage is logged once', async () => {
    const down = unreachableRedis();
    const { logs, destination } = captureLogs();
    const local = new MemoryPageSnapshotStore({ ttlMs: 1000 });
    const store = new FallbackPageSnapshotStore({
      shared: new RedisPageSnapshotStore({ redis: down, keyPrefix: t.prefix, ttlMs: 1000, key: t.key }),
      local,
      logger: createLogger({ level: 'info', destination }),
    });
    try {
      const first = await store.save({ owner: 'u', subject, bundle });
      await store.save({ owner: 'u', subject, bundle });

      expect(local.size).toBe(2);
      expect(await store.find(first.id, 'u')).toEqual({ status: 'found', snapshot: first });
      await expect(store.find(first.id, 'someone-else')).rejects.toBeInstanceOf(PageStoreUnavailable);
      await expect(store.find('A'.repeat(24), 'u')).rejects.toBeInstanceOf(PageStoreUnavailable);
      const warnings = logs.filter((l) => l.level === 'warn');
      expect(warnings.map((l) => l.msg)).toEqual([
        'redis is unavailable: page snapshots are kept in this process until it is back',
      ]);
      expect(JSON.stringify(logs)).not.toContain('9000000009');
    } finally {
      down.disconnect();
    }
  });
});
