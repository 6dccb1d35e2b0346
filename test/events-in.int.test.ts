import { request } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { bearer } from './support/identity';
import { startEventBroker, type EventBroker } from './support/event-broker';

const RICH = DEMO_NHS_NUMBERS.rich;

const conveying = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  incidentId: 'INC-1001',
  status: 'conveying',
  nhsNumber: RICH,
  occurredAt: new Date().toISOString(),
  destination: { odsCode: 'R1X' },
  eta: new Date(Date.now() + 15 * 60_000).toISOString(),
  ...overrides,
});

const textOf = (body: unknown): string =>
  ((body as OperationOutcome).issue ?? []).map((i) => i.details?.text ?? '').join(' ');

describe('events in: source systems notify the broker', () => {
  let env: EventBroker;
  beforeAll(async () => {
    env = await startEventBroker();
  });
  afterAll(() => env.close());

  it('when the ambulance service posts a valid incident status change, then it is answered 202 once committed to the journal', async () => {
    const answer = await env.ambulance.post(env.broker.url, '/events/ambulance-incident', conveying());
    expect(answer.status).toBe(202);
    const events = await env.events();
    const recorded = events.find((e) => e.keys.ref === 'INC-1001');
    expect(recorded?.keys).toMatchObject({
      patient: RICH,
      organisation: 'R1X',
      action: 'ambulance-arrival/conveying',
    });
    expect(recorded?.body).toMatchObject({
      topic: 'ambulance-arrival',
      event: 'conveying',
      source: { odsCode: 'R1Z' },
    });
  });

  it('when the acute trust posts an admission Encounter, then it is recorded against the registered practice', async () => {
    const answer = await env.ed.post(env.broker.url, '/events/encounter', {
      resourceType: 'Encounter',
      id: 'enc-77',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: RICH } },
      period: { start: new Date().toISOString() },
      contained: [
        {
          resourceType: 'Patient',
          id: 'p',
          generalPractitioner: [{ identifier: { system: ODS_CODE_SYSTEM, value: 'Y90001' } }],
        },
      ],
    });
    expect(answer.status).toBe(202);
    const recorded = (await env.events()).find((e) => e.keys.ref === 'enc-77');
    expect(recorded?.keys).toMatchObject({ organisation: 'Y90001', action: 'encounter-start-end/admitted' });
  });

  it('when an event is malformed, then it is refused 400 naming the field, and nothing is recorded', async () => {
    const before = (await env.events()).length;
    const answer = await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      conveying({ incidentId: 'INC-BAD', nhsNumber: '9000000001', eta: undefined }),
    );
    expect(answer.status).toBe(400);
    expect(textOf(answer.body)).toMatch(/nhsNumber must be a valid NHS number/);
    expect(textOf(answer.body)).toMatch(/eta is required when status is conveying/);
    expect((await env.events()).length).toBe(before);
  });

  it('when an event comes without a token, with a token signed by another key, or with a user token, then it is refused 401 and nothing is recorded', async () => {
    const before = (await env.events()).length;
    const post = (authorization?: string): Promise<Response> =>
      fetch(`${env.broker.url}/events/ambulance-incident`, {
        method: 'POST',
        headers: {
          'content-type': 'application/fhir+json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify(conveying({ incidentId: 'INC-FORGED' })),
      });
    const { privateKey } = await generateKeyPair('ES384');
    const forged = await new SignJWT({ scope: 'system/Subscription.cruds system/Encounter.c' })
      .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt' })
      .setIssuer('urn:hie-broker:events-host')
      .setSubject('london-ambulance')
      .setAudience('urn:hie-broker:events-host#events')
      .setExpirationTime('4m')
      .sign(privateKey);
    for (const authorization of [undefined, `Bearer ${forged}`, await bearer('gp')]) {
      const response = await post(authorization);
      expect(response.status).toBe(401);
      expect(((await response.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
    expect((await env.events()).length).toBe(before);
  });

  it('when a registered system sends an event kind it is not registered for, then it is refused 403', async () => {
    const answer = await env.otherEd.post(env.broker.url, '/events/ambulance-incident', conveying());
    expect(answer.status).toBe(403);
    expect(textOf(answer.body)).toMatch(/not registered to send ambulance-incident events/);
  });

  it('when an event arrives chunked (no Content-Length), then it is read within the body limit and accepted', async () => {
    const token = await env.ambulance.token(env.broker.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${env.broker.url}/events/ambulance-incident`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const body = JSON.stringify(conveying({ incidentId: 'INC-CHUNKED' }));
      req.write(body.slice(0, 40));
      req.end(body.slice(40));
    });
    expect(status).toBe(202);
  });
});
