import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullmqLanes } from '../broker/events/bullmq-lanes';
import type { NotificationJob } from '../broker/events/notification-entry';
import { createLogger } from '../broker/observability/logger';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';

/** Connections Redis holds now (every client, ours included). */
async function clients(admin: Redis): Promise<number> {
  return ((await admin.client('LIST')) as string).trim().split('\n').length;
}

describe('per-subscriber notification workers (real Redis)', () => {
  let redis: RedisServerProcess;
  let admin: Redis;
  let lanes: BullmqLanes;
  const delivered: NotificationJob[] = [];

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    admin = new Redis(redis.url);
    lanes = new BullmqLanes({
      redis: redis.url,
      prefix: `idle-test-${randomUUID()}`,
      deliver: (job) => Promise.resolve(void delivered.push(job)),
      onConnected: () => undefined,
      connectionName: 'idle-test',
      logger: createLogger({ level: 'silent' }),
      workerIdleMs: 400,
    });
    await waitUntil('the producer connects', () => lanes.ready());
  });
  afterAll(async () => {
    await lanes.close();
    admin.disconnect();
    await redis.stop();
  });

  it('when subscribers sit idle, then their workers and Redis connections are closed, and one reopens when a notification comes', async () => {
    const baseline = await clients(admin);
    const subscriptions = [randomUUID(), randomUUID(), randomUUID()];
    await lanes.enqueue(
      subscriptions.map((subscriptionId) => ({ notificationId: randomUUID(), subscriptionId })),
    );
    await waitUntil('all three delivered', () => delivered.length === 3);
    expect(lanes.workerCount()).toBe(3);
    const busy = await clients(admin);
    expect(busy).toBeGreaterThanOrEqual(baseline + 3);

    await waitUntil('the idle workers are closed', () => lanes.workerCount() === 0, { timeoutMs: 5000 });
    await waitUntil('their connections are gone', async () => (await clients(admin)) === baseline, {
      timeoutMs: 5000,
    });

    await lanes.enqueue([{ notificationId: randomUUID(), subscriptionId: subscriptions[0]! }]);
    await waitUntil('the next one is delivered', () => delivered.length === 4);
    expect(lanes.workerCount()).toBe(1);
  });
});
