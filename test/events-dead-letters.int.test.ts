import type { OperationOutcome } from '@medplum/fhirtypes';
import type { JournalEntry } from '../broker/audit/journal/journal';
import type { DeadLetterItem } from '../broker/events/dead-letter-desk';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { ReceivingEd } from '../sim/receiving-ed';
import { incidentEvent, subscriptionTo } from './support/event-fixtures';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { bearer } from './support/identity';
import { TestStore } from './support/journal-stores';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';
import type { PersonaId } from '../sim/identity-provider';

const RICH = DEMO_NHS_NUMBERS.rich;
const ATTEMPTS = 3;

interface Answer<T> {
  readonly status: number;
  readonly text: string;
  readonly body: T;
}

async function call<T>(
  env: EventBroker,
  path: string,
  options: { persona?: PersonaId; method?: 'GET' | 'POST' } = {},
): Promise<Answer<T>> {
  const response = await fetch(`${env.broker.url}${path}`, {
    method: options.method ?? 'GET',
    headers: { authorization: await bearer(options.persona ?? 'admin') },
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as T };
}

/** The administrator's list (polled gently: the user's rate limit covers /admin too). */
async function deadLetters(env: EventBroker): Promise<Answer<{ notifications: DeadLetterItem[] }>> {
  const answer = await call<{ notifications: DeadLetterItem[] }>(
    env,
    '/admin/notifications?status=dead-letter&_count=10',
  );
  expect(answer.status).toBe(200);
  return answer;
}
const POLL_MS = 250;

/** Both delivery modes, each with the journal it is deployed with: BullMQ with PostgreSQL, in-process with the file. */
describe.each([
  ['BullMQ lanes (real Redis) and the PostgreSQL journal', true],
  ['in-process lanes and the file journal', false],
])('dead-lettered notifications through %s', (_name, withRedis) => {
  let redis: RedisServerProcess | undefined;
  let store: TestStore | undefined;
  let env: EventBroker;
  let ed: ReceivingEd;
  let subscriptionId: string;

  beforeAll(async () => {
    if (withRedis) {
      redis = await RedisServerProcess.start();
      store = new TestStore('postgres');
    }
    env = await startEventBroker({
      ...(redis ? { redis: { url: redis.url } } : {}),
      ...(store ? { audit: { store: store.store } } : {}),
      events: { delivery: { backoffMs: 50, relayIntervalMs: 200, attempts: ATTEMPTS } },
    });
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    const made = await env.ed.post(
      env.broker.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect(made.status).toBe(201);
    subscriptionId = (made.body as { id: string }).id;
  });
  /** The audit entries committed so far, read beside the running broker. */
  const auditEntries = async (): Promise<readonly JournalEntry[]> => {
    if (!store) return env.entries('audit');
    const journal = await store.open({ readOnly: true });
    return journal.query({ stream: 'audit', limit: 1000 });
  };
  afterAll(async () => {
    await env.close();
    await ed.close();
    await redis?.stop();
    await store?.cleanup();
  });

  it('when a subscriber fails every attempt, then administrators see the notification dead-lettered, without the patient, and can redeliver it once it recovers, exactly once', async () => {
    ed.setDown(true);
    const posts = ed.posts;
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'D-1', nhsNumber: RICH }),
    );
    await waitUntil(
      'the notification is listed as dead-lettered',
      async () => (await deadLetters(env)).body.notifications.length === 1,
      { timeoutMs: 15_000, everyMs: POLL_MS },
    );
    expect(ed.posts - posts).toBe(ATTEMPTS);

    const listed = await deadLetters(env);
    expect(listed.status).toBe(200);
    const [item] = listed.body.notifications;
    expect(item).toMatchObject({
      status: 'dead-letter',
      subscriptionId,
      owner: 'acute-ed',
      ownerOds: 'R1X',
      topic: 'ambulance-arrival',
      attempts: ATTEMPTS,
      lastOutcome: 'http-5xx',
      lastStatus: 503,
      redelivered: false,
    });
    expect(item!.notificationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(item!.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(item!.eventRecorded)).toBeLessThanOrEqual(Date.parse(item!.deadLettered));
    // The administrator fixes an endpoint, not a record: no NHS number, name or token.
    expect(listed.text).not.toContain(RICH);
    expect(listed.text).not.toMatch(/Bearer|eyJ[A-Za-z0-9_-]{10,}/);
    expect(listed.text).not.toMatch(/"(name|family|given|nhsNumber|patient)"/);

    ed.setDown(false);
    const beforeRedelivery = ed.posts;
    const redelivered = await call<Record<string, unknown>>(
      env,
      `/admin/notifications/${item!.notificationId}/redeliver`,
      { method: 'POST' },
    );
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({
      status: 'redelivering',
      notificationId: item!.notificationId,
      subscriptionId,
    });
    await waitUntil('the ED has it', () => ed.eventNotifications().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 700)); // three more sweeps: nothing is sent again
    expect(ed.posts - beforeRedelivery).toBe(1);
    // The same idempotency key as every earlier attempt: a receiver that had it would drop the repeat.
    expect(ed.eventNotifications().map((n) => n.notificationId)).toEqual([item!.notificationId]);
    expect((await deadLetters(env)).body.notifications).toEqual([]);

    const again = await call<OperationOutcome>(
      env,
      `/admin/notifications/${item!.notificationId}/redeliver`,
      { method: 'POST' },
    );
    expect(again.status).toBe(409);
    expect(again.body.resourceType).toBe('OperationOutcome');
    expect(again.body.issue?.[0]?.code).toBe('conflict');

    // Each redelivery request is audited (the refused one too), and no audit entry is written for a patient.
    const audited = (await auditEntries()).filter((e) => e.keys.action === 'notification-redeliver');
    expect(audited.map((e) => [e.keys.user, e.keys.outcome])).toEqual([
      ['555000000008', '0'],
      ['555000000008', '4'],
    ]);
    expect(audited.every((e) => e.keys.patient === undefined)).toBe(true);
  });

  it('when a redelivery fails every attempt again, then it is listed again and may be redelivered again', async () => {
    ed.setDown(true);
    const before = ed.eventNotifications().length;
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'D-2', nhsNumber: RICH }),
    );
    await waitUntil('dead-lettered', async () => (await deadLetters(env)).body.notifications.length === 1, {
      timeoutMs: 15_000,
    });
    const [first] = (await deadLetters(env)).body.notifications;
    const redeliver = (): Promise<Answer<unknown>> =>
      call(env, `/admin/notifications/${first!.notificationId}/redeliver`, { method: 'POST' });
    expect((await redeliver()).status).toBe(202);
    await waitUntil(
      'dead-lettered again',
      async () => (await deadLetters(env)).body.notifications[0]?.redelivered === true,
      { timeoutMs: 15_000, everyMs: POLL_MS },
    );
    expect((await deadLetters(env)).body.notifications).toHaveLength(1);
    ed.setDown(false);
    expect((await redeliver()).status).toBe(202);
    await waitUntil('the ED has it', () => ed.eventNotifications().length === before + 1);
    expect(ed.eventNotifications().at(-1)!.notificationId).toBe(first!.notificationId);
  });

  it('when the id is unknown or the user lacks notifications-manage, then 404 or 403 as OperationOutcomes', async () => {
    const redeliverable = ed.eventNotifications()[0]!.notificationId;
    const unknown = await call<OperationOutcome>(
      env,
      '/admin/notifications/00000000-0000-4000-8000-000000000000/redeliver',
      { method: 'POST' },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
    expect((await call(env, '/admin/notifications/not-an-id/redeliver', { method: 'POST' })).status).toBe(
      404,
    );
    for (const persona of ['privacy-officer', 'ed-doctor'] as const) {
      const list = await call<OperationOutcome>(env, '/admin/notifications', { persona });
      expect({ persona, status: list.status }).toEqual({ persona, status: 403 });
      expect(list.body.resourceType).toBe('OperationOutcome');
      const redeliver = await call(env, `/admin/notifications/${redeliverable}/redeliver`, {
        persona,
        method: 'POST',
      });
      expect(redeliver.status).toBe(403);
    }
    const badStatus = await call<OperationOutcome>(env, '/admin/notifications?status=delivered');
    expect(badStatus.status).toBe(400);
  });

  it('when the subscription was ended after its notification was dead-lettered, then redeliver is 409 saying so', async () => {
    const otherEd = await ReceivingEd.start(env.broker.jwksUrl);
    try {
      const made = await env.otherEd.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ ods: 'R1Y', endpoint: otherEd.endpoint }),
      );
      expect(made.status).toBe(201);
      const otherId = (made.body as { id: string }).id;
      otherEd.setDown(true); // after its handshake
      const posted = await env.ambulance.post(
        env.broker.url,
        '/events/ambulance-incident',
        incidentEvent({ incidentId: 'D-3', nhsNumber: DEMO_NHS_NUMBERS.gpAndNeighbour, destination: 'R1Y' }),
      );
      expect(posted.status).toBeLessThan(300);
      let dead: DeadLetterItem | undefined;
      await waitUntil(
        'dead-lettered',
        async () =>
          (dead = (await deadLetters(env)).body.notifications.find((n) => n.subscriptionId === otherId)) !==
          undefined,
        { timeoutMs: 15_000, everyMs: POLL_MS },
      );
      const ended = await env.otherEd.send(env.broker.url, `/fhir/Subscription/${otherId}`, {
        method: 'DELETE',
      });
      expect(ended.status).toBeLessThan(300);
      const refused = await call<OperationOutcome>(
        env,
        `/admin/notifications/${dead!.notificationId}/redeliver`,
        {
          method: 'POST',
        },
      );
      expect(refused.status).toBe(409);
      expect(refused.body.issue?.[0]?.diagnostics ?? refused.text).toMatch(/subscription .* is off/);
      // Still listed: nothing was resent.
      expect((await deadLetters(env)).body.notifications.map((n) => n.notificationId)).toContain(
        dead!.notificationId,
      );
    } finally {
      await otherEd.close();
    }
  });
});
