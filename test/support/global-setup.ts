import { Redis } from 'ioredis';
import { Client } from 'pg';

/** Redis-backed tests (rate limits, replay stores) need the local Redis: say so in one line rather than hang. */
async function pingRedis(): Promise<void> {
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

/** The journal's PostgreSQL tests need the local database (trust auth, database `test`): the same, in one line. */
async function pingPostgres(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${new URL(url).host} is not usable (${(error as Error).message}): start it ` +
        '(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or run bash .ci/run',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function globalSetup(): Promise<void> {
  await Promise.all([pingRedis(), pingPostgres()]);
}
