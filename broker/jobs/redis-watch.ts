import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';

/**
 * Logs a Redis connection going away once, and its return once, rather than every reconnection
 * attempt. ioredis reconnects by itself; its error events are kept for that one line (unheard, they
 * would only be printed to stderr).
 */
export function watchRedis(redis: Redis, logger: Logger, connection: string): void {
  let down = false;
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  redis.on('reconnecting', () => {
    if (down) return;
    down = true;
    logger.warn(
      { ...(lastError ? { err: lastError } : {}), connection },
      'redis connection lost; reconnecting',
    );
  });
  redis.on('ready', () => {
    lastError = undefined;
    if (!down) return;
    down = false;
    logger.info({ connection }, 'redis connection back');
  });
}
