import { Redis } from 'ioredis';

/**
 * A Redis client whose server cannot be reached: a Unix socket path that does not exist, so every
 * connection attempt fails at once (no port is freed and hoped to stay unused).
 */
export function unreachableRedis(): Redis {
  return new Redis({ path: '/nonexistent/hie-broker-test/redis.sock', lazyConnect: true });
}
