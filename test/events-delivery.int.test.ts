import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { ReceivingEd } from '../sim/receiving-ed';
import { incidentEvent, subscriptionTo } from './support/event-fixtures';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';

const RICH = DEMO_NHS_NUMBERS.rich;
const OTHER = DEMO_NHS_NUMBERS.gpAndNeighbour;

/** The value of a metric series as the broker's /metrics serves it (0 when absent). */
async function metric(env: EventBroker, name: string): Promise<number> {
  const text = await (await fetch(`${env.broker.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('notification delivery through BullMQ (real Redis)', () => {
  let redis: RedisServerProcess;
  let env: EventBroker;
  let ed: ReceivingEd;
  let otherEd: ReceivingEd;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    env = await startEventBroker({
      redis: { url: redis.url },
      events: { delivery: { backoffMs: 50, relayIntervalMs: 200, attempts: 4 } },
    });
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    otherEd = await ReceivingEd.start(env.broker.jwksUrl);
    for (const [system, ods, endpoint] of [
      [env.ed, 'R1X', ed.endpoint],
      [env.otherEd, 'R1Y', otherEd.endpoint],
    ] as const) {
      const made = await system.post(env.broker.url, '/fhir/Subscription', subscriptionTo({ ods, endpoint }));
      expect(made.status).toBe(201);
    }
  });
  afterAll(async () => {
    await env.close();
    await Promise.all([ed.close(), otherEd.close()]);
    await redis.stop();
  });

  it('when an ambulance event is posted, then the subscribed ED receives it exactly once with a valid signature', async () => {
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'B-1', nhsNumber: RICH }),
    );
    await waitUntil('the ED has it', () => ed.eventNotifications().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 600)); // two more sweeps: nothing is sent again
    expect(ed.eventNotifications()).toHaveLength(1);
    expect(ed.rejectedSignatures).toBe(0);
    expect(otherEd.eventNotifications()).toHaveLength(0);
  });

  it('when the ED fails three times, then it gets the notification on the fourth attempt', async () => {
    const [before, posts] = [ed.eventNotifications().length, ed.posts];
    ed.failNext(3);
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'B-2', nhsNumber: RICH }),
    );
    await waitUntil('the ED has it', () => ed.eventNotifications().length === before + 1);
    expect(ed.posts - posts).toBe(4);
  });

  it('when one ED never recovers, then its notification is dead-lettered and another ED is not delayed', async () => {
    const deadBefore = await metric(env, 'hie_notifications_dead_lettered_total');
    ed.setDown(true);
    ed.setDelay(300);
    const posts = ed.posts;
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'B-3', nhsNumber: RICH }),
    );
    const sent = Date.now();
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'B-4', nhsNumber: OTHER, destination: 'R1Y' }),
    );
    await waitUntil('the other ED has its notification', () => otherEd.eventNotifications().length === 1);
    // The other ED's notification did not wait for the failing ED's retries (4 attempts of 300 ms plus backoff).
    expect(Date.now() - sent).toBeLessThan(1000);
    await waitUntil(
      'the notification is dead-lettered',
      async () => (await metric(env, 'hie_notifications_dead_lettered_total')) === deadBefore + 1,
      { timeoutMs: 15_000 },
    );
    expect(ed.posts - posts).toBe(4);
    ed.setDown(false);
    ed.setDelay(0);
  });

  it('when the worker is stopped and Redis restarted mid-delivery, then nothing is lost and nothing is received twice', async () => {
    const before = ed.eventNotifications().length;
    ed.setDown(true);
    const posts = ed.posts;
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'B-5', nhsNumber: RICH, status: 'handed-over' }),
    );
    await waitUntil('a first attempt was made', () => ed.posts > posts);
    await env.restartBrokerWith(async () => {
      await redis.restart();
    });
    ed.trustBroker(env.broker.jwksUrl);
    ed.setDown(false);
    await waitUntil('the ED has it', () => ed.eventNotifications().length === before + 1, {
      timeoutMs: 15_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(
      ed
        .eventNotifications()
        .slice(before)
        .map((n) => n.events[0]?.code),
    ).toEqual(['handed-over']);
  });
});
