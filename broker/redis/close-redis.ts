import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';

/** Closes a Redis client politely when it is connected, and stops its reconnecting when it is not. */
export async function closeRedis(redis: Redis | undefined, logger: Logger): Promise<void> {
  if (!redis) return;
  // quit() on a client that never connected resolves at once but leaves it reconnecting.
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch (error) {
      logger.warn({ err: error }, 'redis did not close cleanly');
    }
  }
  // Already ended (it gave up reconnecting): disconnect() would only start a timer that keeps the process alive.
  if (redis.status !== 'end') redis.disconnect();
}
