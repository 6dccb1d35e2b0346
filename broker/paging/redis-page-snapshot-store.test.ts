import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { unreachableRedis } from '../../test/support/unreachable-redis';
import { PageStoreUnavailable } from './page-snapshot-store';
import { REDIS_URL, RedisHarness, bundle, subject } from '../../test/support/page-snapshot-stores';
import { RedisPageSnapshotStore } from './redis-page-snapshot-store';

/* What every store does is in page-snapshot-store-contract.test.ts; this is what Redis adds. */
describe('RedisPageSnapshotStore', () => {
  let t: RedisHarness;
  beforeEach(async () => {
    t = await RedisHarness.start();
  });
  afterEach(() => t.close());

  /** Every key under the prefix with what it holds, as text (a sorted set's members joined). */
  async function contents(): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    for (const key of await t.keys()) {
      const type = await t.redis.type(key);
      held.set(
        key,
        type === 'zset'
          ? (await t.redis.zrange(key, '0', '-1')).join(' ')
          : type === 'hash'
            ? JSON.stringify(await t.redis.hgetall(key))
            : ((await t.redis.getBuffer(key)) ?? Buffer.alloc(0)).toString('latin1'),
      );
    }
    return held;
  }

  it('when a snapshot is saved, then Redis holds it encrypted: no NHS number, name, query id or owner in any key or value', async () => {
    const store = t.store();
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    const held = await contents();
    const keys = [...held.keys()].map((k) => k.slice(t.prefix.length));
    // The owner's byte budget is kept under a keyed hash of the owner, never the owner.
    expect(keys.filter((k) => !k.startsWith('owner:')).sort()).toEqual(
      [`${snapshot.id}`, `${snapshot.id}:gone`, 'clock', 'index', 'sizes'].sort(),
    );
    expect(keys.filter((k) => k.startsWith('owner:'))).toHaveLength(1);
    for (const [key, value] of held) {
      for (const secret of ['9000000009', 'CLARKE', 'Amelia', 'user-1', 'q-1', 'Patient', 'searchset']) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
    }
  });

  it('when a snapshot is saved, then its content lives ttlMs and its tombstone ten times longer', async () => {
    const store = t.store();
    const { id } = await store.save({ owner: 'user-1', subject, bundle });

    const content = await t.redis.pttl(t.prefix + id);
    const tombstone = await t.redis.pttl(`${t.prefix}${id}:gone`);
    expect(content).toBeGreaterThan(0);
    expect(content).toBeLessThanOrEqual(t.ttlMs);
    expect(tombstone).toBeGreaterThan(t.ttlMs * 9);
    expect(tombstone).toBeLessThanOrEqual(t.ttlMs * 10);
    expect(await t.redis.pttl(`${t.prefix}index`)).toBeLessThanOrEqual(t.ttlMs);
  });

  it('when two processes share Redis, then a snapshot saved by one is found by the other, and only by its owner', async () => {
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await other.ping();
      const saved = await t.store().save({ owner: 'user-1', subject, bundle });
      const elsewhere = t.store({ redis: other });

      expect(await elsewhere.find(saved.id, 'user-1')).toEqual({ status: 'found', snapshot: saved });
      expect(await elsewhere.find(saved.id, 'user-2')).toEqual({ status: 'unknown' });
    } finally {
      await other.quit();
    }
  });

  it('when the key has changed (a new signing key), then the owner is told the snapshot expired and anyone else that it is unknown', async () => {
    const { id } = await t.store().save({ owner: 'user-1', subject, bundle });
    const rotated = t.store({ key: randomBytes(32) });

    expect(await rotated.find(id, 'user-1')).toEqual({ status: 'expired' });
    expect(await rotated.find(id, 'user-2')).toEqual({ status: 'unknown' });
  });

  it("when a stored value is tampered with or copied to another snapshot's id, then it reads as expired, never as content", async () => {
    const store = t.store();
    const a = await store.save({ owner: 'user-1', subject, bundle });
    const b = await store.save({ owner: 'user-1', subject, bundle });
    const value = (await t.redis.getBuffer(t.prefix + a.id))!;

    await t.redis.set(t.prefix + b.id, value, 'PX', t.ttlMs);
    expect(await store.find(b.id, 'user-1')).toEqual({ status: 'expired' });
    value[value.length - 1] = value.at(-1)! ^ 1;
    await t.redis.set(t.prefix + a.id, value, 'PX', t.ttlMs);
    expect(await store.find(a.id, 'user-1')).toEqual({ status: 'expired' });
    await t.redis.set(t.prefix + a.id, 'not a snapshot', 'PX', t.ttlMs);
    expect(await store.find(a.id, 'user-1')).toEqual({ status: 'expired' });
  });

  it('when many more snapshots than maxSnapshots are saved, then only that many hold content, over every process', async () => {
    const one = t.store({ maxSnapshots: 3 });
    const two = t.store({ maxSnapshots: 3 });
    const saved = [];
    for (let i = 0; i < 10; i++) saved.push(await (i % 2 ? one : two).save({ owner: 'u', subject, bundle }));

    const keys = await t.keys();
    expect(keys.filter((k) => /page:[A-Za-z0-9_-]{24}$/.test(k))).toHaveLength(3);
    expect(keys.filter((k) => k.endsWith(':gone'))).toHaveLength(10);
    expect(await t.redis.zcard(`${t.prefix}index`)).toBe(3);
    const statuses = await Promise.all(saved.map(async (s) => (await one.find(s.id, 'u')).status));
    expect(statuses).toEqual([...Array(7).fill('expired'), 'found', 'found', 'found']);
  });

  it('when Redis is not connected, then save and find reject at once with PageStoreUnavailable', async () => {
    const down = unreachableRedis();
    const store = new RedisPageSnapshotStore({ redis: down, keyPrefix: t.prefix, ttlMs: 100, key: t.key });

    await expect(store.save({ owner: 'u', subject, bundle })).rejects.toBeInstanceOf(PageStoreUnavailable);
    await expect(store.find('A'.repeat(24), 'u')).rejects.toBeInstanceOf(PageStoreUnavailable);
    down.disconnect();
  });

  it('when the key is not 32 bytes, then the store refuses to start', () => {
    expect(() => t.store({ key: randomBytes(16) })).toThrow('The page snapshot key must be 32 bytes');
  });
});
