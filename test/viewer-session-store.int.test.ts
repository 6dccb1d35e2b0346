import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from '../viewer/session-store';

const prefix = `test:viewer-sessions:${randomUUID()}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const stores: [string, () => SessionStore][] = [
  ['in memory', () => new MemorySessionStore()],
  ['in Redis', () => new RedisSessionStore(redis, prefix)],
];

describe.each(stores)('the viewer’s session store %s', (_name, make) => {
  it('when a session is kept, then it is read back until its idle time passes, and then it is gone', async () => {
    const store = make();
    await store.set('session:a', '{"x":1}', 150);
    await expect(store.get('session:a')).resolves.toBe('{"x":1}');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expect(store.get('session:a')).resolves.toBeUndefined();
  });

  it('when a launch token id is claimed twice, then only the first claim succeeds', async () => {
    const store = make();
    const key = `launch-jti:${randomUUID()}`;
    await expect(store.claim(key, 5000)).resolves.toBe(true);
    await expect(store.claim(key, 5000)).resolves.toBe(false);
  });

  it('when a session is ended, then it cannot be read again', async () => {
    const store = make();
    await store.set('session:b', 'kept', 5000);
    await store.delete('session:b');
    await expect(store.get('session:b')).resolves.toBeUndefined();
  });
});

it('when the broker has Redis, then two processes share one session under the broker’s prefix', async () => {
  const podA = new RedisSessionStore(redis, prefix);
  const podB = new RedisSessionStore(redis, prefix);
  await podA.set('session:shared', 'one', 5000);
  await expect(podB.get('session:shared')).resolves.toBe('one');
  await expect(redis.pttl(`${prefix}session:shared`)).resolves.toBeGreaterThan(4000);
});
