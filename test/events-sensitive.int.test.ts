import type { AuditEvent, Bundle, Parameters, Subscription } from '@medplum/fhirtypes';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { CONFIDENTIALITY_SYSTEM } from '../broker/merge/sensitive-data/confidentiality';
import { ReceivingEd } from '../sim/receiving-ed';
import { incidentEvent, subscriptionTo } from './support/event-fixtures';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { waitUntil } from './support/wait-until';
import { pdsSource, startTestPds } from './support/pds-region';
import type { RunningSimNode } from '../sim/pds-node';
import { DEMO_PEOPLE } from '../sim/population/fixed/demo-people';

const RICH = DEMO_NHS_NUMBERS.rich;
const RESTRICTED = DEMO_NHS_NUMBERS.restricted;
const SNOMED = 'http://snomed.info/sct';
/** A genitourinary medicine (sexual health) concept, configured as sensitive below. */
const SENSITIVE_CODE = '1082721000000107';

const label = (code: 'R' | 'V' | 'N') => [{ system: CONFIDENTIALITY_SYSTEM, code }];

function encounter(options: {
  id: string;
  nhsNumber: string;
  meta?: Record<string, unknown>;
  reasonCode?: string;
  patient?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    resourceType: 'Encounter',
    id: options.id,
    status: 'in-progress',
    class: { code: 'IMP' },
    ...(options.meta ? { meta: options.meta } : {}),
    ...(options.reasonCode
      ? { reasonCode: [{ coding: [{ system: SNOMED, code: options.reasonCode }] }] }
      : {}),
    subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: options.nhsNumber } },
    period: { start: new Date().toISOString() },
    contained: [
      {
        resourceType: 'Patient',
        ...options.patient,
        generalPractitioner: [{ identifier: { system: ODS_CODE_SYSTEM, value: 'Y90001' } }],
      },
    ],
  };
}

describe('sensitive-data rules decide whether a notification is sent', () => {
  let env: EventBroker;
  let ed: ReceivingEd;
  let practice: ReceivingEd;

  beforeAll(async () => {
    env = await startEventBroker({
      events: { delivery: { backoffMs: 20, relayIntervalMs: 100, attempts: 2 } },
      sensitiveData: { codeSets: [{ name: 'sexual-health', codes: [SENSITIVE_CODE] }] },
    });
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    practice = await ReceivingEd.start(env.broker.jwksUrl);
    const made = await Promise.all([
      env.ed.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
      ),
      env.practice.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ topic: 'encounter-start-end', ods: 'Y90001', endpoint: practice.endpoint }),
      ),
    ]);
    expect(made.map((m) => (m.body as Subscription).status)).toEqual(['active', 'active']);
  });
  afterAll(async () => {
    await env.close();
    await Promise.all([ed.close(), practice.close()]);
  });

  it('when the focus is labelled R or V or coded in a sensitive set, then no notification is sent, and the withholding is audited by count and reason only', async () => {
    const sensitive = [
      [
        '/events/ambulance-incident',
        { ...incidentEvent({ incidentId: 'S-R', nhsNumber: RICH }), security: label('R') },
      ],
      [
        '/events/ambulance-incident',
        { ...incidentEvent({ incidentId: 'S-V', nhsNumber: RICH }), security: label('V') },
      ],
      [
        '/events/ambulance-incident',
        {
          ...incidentEvent({ incidentId: 'S-CODE', nhsNumber: RICH }),
          presentingComplaint: [{ coding: [{ system: SNOMED, code: SENSITIVE_CODE }] }],
        },
      ],
      ['/events/encounter', encounter({ id: 'enc-v', nhsNumber: RICH, meta: { security: label('V') } })],
      ['/events/encounter', encounter({ id: 'enc-code', nhsNumber: RICH, reasonCode: SENSITIVE_CODE })],
    ] as const;
    for (const [path, body] of sensitive) {
      const client = path === '/events/encounter' ? env.ed : env.ambulance;
      expect((await client.post(env.broker.url, path, body)).status).toBe(202);
    }
    // Then an ordinary event for each topic, which must arrive: the withheld ones came before it.
    await env.ambulance.post(env.broker.url, '/events/ambulance-incident', {
      ...incidentEvent({ incidentId: 'S-OK', nhsNumber: RICH }),
      security: label('N'),
    });
    await env.ed.post(env.broker.url, '/events/encounter', encounter({ id: 'enc-ok', nhsNumber: RICH }));
    await waitUntil(
      'the ordinary notifications arrive',
      () => ed.eventNotifications().length === 1 && practice.eventNotifications().length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ed.eventNotifications()).toHaveLength(1);
    expect(ed.eventNotifications()[0]!.events[0]).toMatchObject({ eventNumber: 1 });
    expect(practice.eventNotifications()).toHaveLength(1);

    const withheld = (await env.entries('audit')).filter((e) => e.keys.action === 'notification-withheld');
    expect(withheld).toHaveLength(5);
    for (const entry of withheld) {
      expect(entry.keys.patient).toBeUndefined();
      expect((entry.body as AuditEvent).outcomeDesc).toBe('1 notification(s) withheld: sensitive-data');
      expect(JSON.stringify(entry)).not.toContain(RICH);
      expect(JSON.stringify(entry)).not.toContain(SENSITIVE_CODE);
    }
    // The journal keeps the decision, never the codes or labels the source sent.
    const events = JSON.stringify(await env.events());
    expect(events).not.toContain(SENSITIVE_CODE);
    expect(events).toContain('"withheld":"sensitive-code"');
  });

  it('when the patient is restricted (S-flag), then the notification is minimal: no address, registered practice or source organisation, and labelled restricted', async () => {
    const beforeEd = ed.eventNotifications().length;
    const beforePractice = practice.eventNotifications().length;
    await env.ambulance.post(env.broker.url, '/events/ambulance-incident', {
      ...incidentEvent({ incidentId: 'S-FLAG', nhsNumber: RESTRICTED }),
      restricted: true,
    });
    await env.ed.post(
      env.broker.url,
      '/events/encounter',
      encounter({
        id: 'enc-sflag',
        nhsNumber: RESTRICTED,
        patient: {
          meta: { security: label('R') },
          address: [{ line: ['1 Hidden Lane'], postalCode: 'E1 9ZZ' }],
        },
      }),
    );
    await waitUntil(
      'both arrive',
      () =>
        ed.eventNotifications().length === beforeEd + 1 &&
        practice.eventNotifications().length === beforePractice + 1,
    );
    for (const receiver of [ed, practice]) {
      const text = receiver.bodies.at(-1)!;
      const status = (JSON.parse(text) as Bundle).entry![0]!.resource as Parameters;
      expect(status.meta?.security).toEqual([
        expect.objectContaining({ system: CONFIDENTIALITY_SYSTEM, code: 'R' }),
      ]);
      expect(receiver.eventNotifications().at(-1)!.events[0]).toMatchObject({ nhsNumber: RESTRICTED });
      expect(receiver.eventNotifications().at(-1)!.events[0]!.source).toBeUndefined();
      for (const revealing of ['Hidden Lane', 'E1 9ZZ', 'Y90001', 'address', 'generalPractitioner', 'R1Z'])
        expect(text).not.toContain(revealing);
    }
  });
});

describe('a restricted patient as PDS knows them', () => {
  let env: EventBroker;
  let ed: ReceivingEd;
  let pds: RunningSimNode;

  beforeAll(async () => {
    let jwksUrl = '';
    // PDS restricts 9000000025 (its default); its one client is the broker, known by the broker's JWKS.
    pds = await startTestPds({ people: Object.values(DEMO_PEOPLE), jwksUrl: () => jwksUrl });
    env = await startEventBroker(
      { events: { delivery: { backoffMs: 20, relayIntervalMs: 100, attempts: 2 } } },
      { extraSources: [pdsSource(pds)] },
    );
    jwksUrl = env.broker.jwksUrl;
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    const made = await env.ed.post(
      env.broker.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect((made.body as Subscription).status).toBe('active');
  });
  afterAll(async () => {
    await env.close();
    await Promise.all([ed.close(), pds.close()]);
  });

  it('when the event does not say so but PDS has the patient restricted, then the notification is minimal', async () => {
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'PDS-S', nhsNumber: RESTRICTED }),
    );
    await env.ambulance.post(
      env.broker.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'PDS-OK', nhsNumber: RICH }),
    );
    await waitUntil('both arrive', () => ed.eventNotifications().length === 2);
    const byPatient = new Map(ed.eventNotifications().map((n) => [n.events[0]!.nhsNumber, n.events[0]!]));
    expect(byPatient.get(RESTRICTED)!.source).toBeUndefined();
    expect(byPatient.get(RICH)!.source).toBe('London Ambulance Service');
  });
});
