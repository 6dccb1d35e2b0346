import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryReplayStore, RedisReplayStore } from '../broker/trust/replay-store';

describe('replay stores for client-assertion jti', () => {
  const prefix = `hie-test:${randomUUID()}:jti:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('when two pods share Redis, then a jti claimed on one is refused on the other, and it expires with the assertion', async () => {
    const podA = new RedisReplayStore(redis, prefix);
    const podB = new RedisReplayStore(redis, prefix);
    const exp = Math.floor(Date.now() / 1000) + 120;

    expect(await podA.claimOnce('client-1:abc', exp)).toBe(true);
    expect(await podB.claimOnce('client-1:abc', exp)).toBe(false);
    expect(await podB.claimOnce('client-2:abc', exp)).toBe(true);
    const ttl = await redis.ttl(`${prefix}client-1:abc`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(121);
  });

  it('when kept in memory, then a jti is claimed once until it expires', async () => {
    const store = new MemoryReplayStore();
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect(await store.claimOnce('c:x', exp)).toBe(true);
    expect(await store.claimOnce('c:x', exp)).toBe(false);
    expect(await store.claimOnce('c:y', exp)).toBe(true);
  });
});
