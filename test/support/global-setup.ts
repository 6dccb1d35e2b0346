import { Redis } from 'ioredis';

/** Redis-backed tests (rate limits, replay stores) need the local Redis: say so in one line rather than hang. */
export default async function globalSetup(): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(
      'Redis is not answering on 127.0.0.1:6379: start it (redis-server --daemonize yes) or run bash .ci/run',
    );
  } finally {
    redis.disconnect();
  }
}
