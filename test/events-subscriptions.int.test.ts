import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  OperationOutcome,
  Parameters,
  Subscription,
} from '@medplum/fhirtypes';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { ReceivingEd } from '../sim/receiving-ed';
import { TOPICS } from '../broker/events/event-topics';
import { EndpointPolicy, endpointRuleText } from '../broker/events/endpoint-policy';
import { bearer } from './support/identity';
import { incidentEvent, objectionConsent, subscriptionTo } from './support/event-fixtures';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { waitUntil } from './support/wait-until';

const RICH = DEMO_NHS_NUMBERS.rich;
const OBJECTING = DEMO_NHS_NUMBERS.objection;

const textOf = (body: unknown): string =>
  ((body as OperationOutcome).issue ?? []).map((i) => i.details?.text ?? '').join(' ');

describe('subscriptions and notifications (embedded, no Redis)', () => {
  let env: EventBroker;
  let ed: ReceivingEd;
  let subscription: Subscription;

  beforeAll(async () => {
    env = await startEventBroker({
      events: { delivery: { backoffMs: 20, relayIntervalMs: 100, attempts: 4 } },
    });
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    const made = await env.ed.post(
      env.broker.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect(made.status).toBe(201);
    subscription = made.body as Subscription;
  });
  afterAll(async () => {
    await env.close();
    await ed.close();
  });

  it('when a client reads the CapabilityStatement, then it advertises the Subscription topics and $status', async () => {
    const metadata = (await (await fetch(`${env.broker.fhir}/metadata`)).json()) as CapabilityStatement;
    const resource = metadata.rest?.[0]?.resource?.find((r) => r.type === 'Subscription');
    expect(resource?.extension?.map((e) => e.valueCanonical)).toEqual(
      Object.values(TOPICS).map((t) => t.url),
    );
    expect(resource?.operation?.map((o) => o.name)).toEqual(['status']);
    expect(metadata.instantiates).toContain(
      'http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4',
    );
  });

  it('when the ED subscribes to its own ODS code, then the handshake reaches it and the subscription is active', () => {
    expect(subscription.status).toBe('active');
    expect(subscription.criteria).toBe(TOPICS['ambulance-arrival'].url);
    expect(ed.received.filter((n) => n.type === 'handshake')).toHaveLength(1);
  });

  it('when the ambulance service conveys a patient to the ED, then one signed id-only notification arrives and the ED reads the record back through the broker', async () => {
    const posted = await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'INC-1', nhsNumber: RICH }),
    );
    expect(posted.status).toBe(202);
    await waitUntil('the ED has the notification', () => ed.eventNotifications().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [notification] = ed.eventNotifications();
    expect(ed.eventNotifications()).toHaveLength(1);
    expect(ed.rejectedSignatures).toBe(0);
    expect(notification!.events).toEqual([
      expect.objectContaining({
        eventNumber: 1,
        code: 'conveying',
        nhsNumber: RICH,
        source: 'London Ambulance Service',
      }),
    ]);
    const focus = notification!.events[0]!.focus!;
    expect(focus).toBe(`${env.broker.fhir}/Encounter?patient=${RICH}`);
    const read = await fetch(focus, {
      headers: { authorization: await bearer('ed-doctor'), accept: 'application/fhir+json' },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as Bundle).entry?.some((e) => e.resource?.resourceType === 'Encounter')).toBe(
      true,
    );
  });

  it('when the ED asks for $status, then it gets the SubscriptionStatus with the events so far', async () => {
    const answer = await env.ed.send(env.broker.url, `/fhir/Subscription/${subscription.id}/$status`, {
      method: 'GET',
    });
    expect(answer.status).toBe(200);
    const status = (answer.body as Bundle).entry?.[0]?.resource as Parameters;
    expect(status.parameter).toEqual(
      expect.arrayContaining([
        { name: 'type', valueCode: 'query-status' },
        { name: 'status', valueCode: 'active' },
        { name: 'events-since-subscription-start', valueString: '1' },
      ]),
    );
  });

  it('when a system subscribes with a filter naming another organisation, then it is refused 403 and nothing is made', async () => {
    const answer = await env.otherEd.post(
      env.broker.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect(answer.status).toBe(403);
    expect(textOf(answer.body)).toMatch(
      /may subscribe only to its own organisation: the filter must name R1Y/,
    );
  });

  it('when a subscription asks for full resources, then it is refused 400 saying id-only', async () => {
    const answer = await env.ed.post(
      env.broker.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint, payloadContent: 'full-resource' }),
    );
    expect(answer.status).toBe(400);
    expect(textOf(answer.body)).toMatch(/id-only/);
  });

  it('when a subscription names a plain-http endpoint on a broker that requires TLS, then it is refused naming the rule', async () => {
    const policy = new EndpointPolicy({ allowHttp: false, allowPrivateNetworks: false, allowedHosts: [] });
    await expect(policy.check('http://ed.example/notify')).rejects.toMatchObject({ rule: 'https-only' });
    expect(endpointRuleText('https-only')).toBe(
      'Subscription.channel.endpoint must be an https URL: notifications name patients (rule https-only).',
    );
  });

  it('when another system asks for the subscription, then it is not found', async () => {
    const answer = await env.otherEd.send(env.broker.url, `/fhir/Subscription/${subscription.id}`, {
      method: 'GET',
    });
    expect(answer.status).toBe(404);
  });

  it('when the patient has objected, then no notification is sent (and a later one for another patient still is)', async () => {
    const consent = await fetch(`${env.broker.fhir}/Consent`, {
      method: 'POST',
      headers: { authorization: await bearer('privacy-officer'), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(objectionConsent(OBJECTING)),
    });
    expect(consent.status).toBe(201);
    const before = ed.eventNotifications().length;
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'INC-OBJ', nhsNumber: OBJECTING }),
    );
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'INC-2', nhsNumber: RICH, status: 'handed-over' }),
    );
    await waitUntil('the later notification arrives', () => ed.eventNotifications().length === before + 1);
    const after = ed.eventNotifications().slice(before);
    expect(after.flatMap((n) => n.events.map((e) => e.nhsNumber))).toEqual([RICH]);
    expect(after[0]!.events[0]).toMatchObject({ code: 'handed-over', eventNumber: 2 });
  });

  it('when the ED fails three times, then the notification arrives on the fourth attempt, once', async () => {
    const before = ed.eventNotifications().length;
    const posts = ed.posts;
    ed.failNext(3);
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'INC-3', nhsNumber: RICH }),
    );
    await waitUntil('the notification arrives', () => ed.eventNotifications().length === before + 1);
    expect(ed.posts - posts).toBe(4);
  });

  it("when a practice subscribes to encounters of its registered patients, then the acute trust's admission reaches it", async () => {
    const practiceEndpoint = await ReceivingEd.start(env.broker.jwksUrl);
    try {
      const made = await env.practice.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ topic: 'encounter-start-end', ods: 'Y90001', endpoint: practiceEndpoint.endpoint }),
      );
      expect((made.body as Subscription).status).toBe('active');
      const posted = await env.ed.post(env.broker.url, '/events/encounter', {
        resourceType: 'Encounter',
        id: 'adm-9',
        status: 'in-progress',
        class: { code: 'IMP' },
        subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: RICH } },
        period: { start: new Date().toISOString() },
        contained: [
          {
            resourceType: 'Patient',
            generalPractitioner: [{ identifier: { system: ODS_CODE_SYSTEM, value: 'Y90001' } }],
          },
        ],
      });
      expect(posted.status).toBe(202);
      await waitUntil('the practice has it', () => practiceEndpoint.eventNotifications().length === 1);
      expect(practiceEndpoint.eventNotifications()[0]!.events[0]).toMatchObject({
        code: 'admitted',
        nhsNumber: RICH,
      });
    } finally {
      await practiceEndpoint.close();
    }
  });

  it('when a subscription asks for a heartbeat, then the broker sends one within the period', async () => {
    const quiet = await ReceivingEd.start(env.broker.jwksUrl);
    try {
      const made = await env.otherEd.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ ods: 'R1Y', endpoint: quiet.endpoint, heartbeatSeconds: 1 }),
      );
      expect(made.status).toBe(201);
      await waitUntil('a heartbeat arrives', () => quiet.received.some((n) => n.type === 'heartbeat'), {
        timeoutMs: 4000,
      });
      expect(quiet.rejectedSignatures).toBe(0);
    } finally {
      await quiet.close();
    }
  });

  it('when a notification is dead-lettered, then an administrator with audit-read sees every attempt and the dead letter in the audit trail', async () => {
    ed.setDown(true);
    try {
      await env.ambulance.post(
        env.broker.url,
        '/events/ambulance-incident',
        incidentEvent({ incidentId: 'INC-DEAD', nhsNumber: RICH }),
      );
      const attempts = async (): Promise<AuditEvent[]> => {
        const answer = await fetch(`${env.broker.fhir}/AuditEvent?agent=acute-ed&_count=100`, {
          headers: { authorization: await bearer('privacy-officer'), accept: 'application/fhir+json' },
        });
        expect(answer.status).toBe(200);
        return ((await answer.json()) as Bundle<AuditEvent>).entry!.map((e) => e.resource!);
      };
      await waitUntil('the dead letter is audited', async () =>
        (await attempts()).some((a) => a.outcome === '8'),
      );
      const deadLetter = (await attempts()).find((a) => a.outcome === '8')!;
      expect(deadLetter.outcomeDesc).toMatch(/^Attempt 4: http-5xx \(HTTP 503\); dead-lettered$/);
      expect(deadLetter.subtype?.[0]?.code).toBe('notification-delivery');
    } finally {
      ed.setDown(false);
    }
  });
});
