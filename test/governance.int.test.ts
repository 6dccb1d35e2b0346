import type { AuditEvent, Bundle, Consent, OperationOutcome } from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import type { PersonaId } from '../sim/identity-provider';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { r4Errors } from './support/fhir-validator';
import { getFhir, sourceIssues } from './support/fhir-http';
import { AuditSink } from './support/audit-sink';
import { bearer } from './support/identity';
import { waitUntil } from './support/wait-until';
import { startTestRegion, type TestRegion } from './support/test-region';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RICH = DEMO_NHS_NUMBERS.rich;
const OBJECTING = DEMO_NHS_NUMBERS.objection;
const RESTRICTED = DEMO_NHS_NUMBERS.restricted;

const detailOf = (event: AuditEvent, type: string): string | undefined =>
  event.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === type)?.valueString;
const patientOf = (event: AuditEvent): string | undefined =>
  event.entity?.find((e) => e.role?.code === '1')?.what?.identifier?.value;
const actionOf = (event: AuditEvent): string | undefined =>
  event.subtype?.find((c) => c.system?.endsWith('/audit-action'))?.code;

function objection(nhsNumber: string, organisations: readonly string[] = [], status = 'active'): Consent {
  return {
    resourceType: 'Consent',
    status: status as Consent['status'],
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: {
      type: 'deny',
      period: { start: '2020-01-01' },
      ...(organisations.length
        ? {
            actor: organisations.map((ods) => ({
              role: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' },
                ],
              },
              reference: { identifier: { system: ODS_CODE_SYSTEM, value: ods } },
            })),
          }
        : {}),
    },
  };
}

type StoreCase = {
  name: string;
  store: () => Promise<{ audit: Record<string, unknown>; drop: () => Promise<void> }>;
};

const STORES: StoreCase[] = [
  { name: 'the embedded file journal', store: async () => ({ audit: {}, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    store: async () => {
      const schema = `hie_gov_${randomBytes(4).toString('hex')}`;
      return {
        audit: { store: { kind: 'postgres', url: DATABASE_URL, schema, poolSize: 4 } },
        drop: async () => {
          const client = new Client({ connectionString: DATABASE_URL });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        },
      };
    },
  },
];

describe.each(STORES)('governance with $name', ({ store }) => {
  let t: TestRegion;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const chosen = await store();
    drop = chosen.drop;
    t = await startTestRegion({
      ...(Object.keys(chosen.audit).length ? { audit: chosen.audit } : {}),
      config: { rateLimit: { perUser: { points: 10000, durationSeconds: 60 } } },
    });
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  const as = async (persona: PersonaId, headers: Record<string, string> = {}) => ({
    headers: { authorization: await bearer(persona), ...headers },
  });
  const auditEvents = async (query: string, persona: PersonaId = 'privacy-officer') => {
    const answer = await getFhir<Bundle>(`${t.fhir}/AuditEvent?${query}`, await as(persona));
    expect(answer.status).toBe(200);
    return (answer.body.entry ?? []).map((e) => e.resource as AuditEvent);
  };
  const send = async (
    method: string,
    path: string,
    body: unknown,
    persona: PersonaId = 'privacy-officer',
  ) => {
    const response = await fetch(`${t.broker.url}${path}`, {
      method,
      headers: {
        authorization: await bearer(persona),
        accept: 'application/fhir+json',
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
  };

  it('when a clinician opens a record, then one AuditEvent in the BALP style says who, what, why and what each source did', async () => {
    const opened = await getFhir<Bundle>(
      `${t.fhir}/Patient/${RICH}/$everything?_type=Condition,AllergyIntolerance`,
      await as('ed-doctor', { 'x-request-id': 'audit-view-1' }),
    );
    expect(opened.status).toBe(200);
    const [event] = (await auditEvents(`patient=${RICH}&agent=555000000002`)).filter(
      (e) => detailOf(e, 'request-id') === 'audit-view-1',
    );
    expect(event).toBeDefined();
    expect(r4Errors(event!)).toEqual([]);
    expect(event).toMatchObject({
      type: { code: 'rest' },
      action: 'E',
      outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
    });
    expect(event!.subtype?.map((c) => c.code)).toEqual(['operation', 'patient-view']);
    const user = event!.agent.find((a) => a.requestor)!;
    expect(user.who).toEqual({
      identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '555000000002' },
      display: 'Dr Tom Achebe',
    });
    expect(user.role?.[0]?.coding?.[0]?.code).toBe('R8000');
    expect(event!.agent.some((a) => a.who?.identifier?.value === 'R1X')).toBe(true);
    expect(event!.agent.some((a) => a.type?.coding?.[0]?.code === '110153')).toBe(true);
    expect(event!.agent.some((a) => a.type?.coding?.[0]?.code === '110152')).toBe(true);
    expect(patientOf(event!)).toBe(RICH);
    const query = event!.entity!.find((e) => e.role?.code === '24')!;
    expect(Buffer.from(query.query!, 'base64').toString()).toBe(
      `/fhir/Patient/${RICH}/$everything?_type=Condition,AllergyIntolerance`,
    );
    expect(detailOf(event!, 'token-jti')).toMatch(/.{8,}/);
    expect(detailOf(event!, 'relationship-basis')).toBe('verified');
    const sources = event!.entity!.filter((e) => e.role?.code === '3');
    expect(sources.map((s) => s.name).sort()).toEqual(
      ['acute', 'ambulance', 'gp', 'mental-health', 'neighbouring-ics'].sort(),
    );
    const returned = Number(detailOf(event!, 'resources-returned'));
    const shown = (opened.body.entry ?? []).filter((e) => e.search?.mode === 'match').length;
    expect(returned).toBeGreaterThanOrEqual(shown - 1);
    // The token itself is never recorded.
    expect(JSON.stringify(event)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('when a request is refused or fails, then it is audited too: no relationship (403), a malformed NHS number (400)', async () => {
    expect(
      (await getFhir(`${t.fhir}/Patient/${RICH}/$everything`, await as('unrelated-clinician'))).status,
    ).toBe(403);
    expect((await getFhir(`${t.fhir}/Patient/9000000000`, await as('unrelated-clinician'))).status).toBe(400);
    const events = await auditEvents('agent=555000000009');
    const refused = events.find((e) => patientOf(e) === RICH && e.outcome === '4');
    expect(refused?.outcomeDesc).toMatch(/No legitimate relationship/);
    expect(events.some((e) => e.outcome === '4' && /HTTP 400/.test(e.outcomeDesc ?? ''))).toBe(true);
  });

  it('when a clinician uses emergency access, then a security-alert AuditEvent and a privacy-officer alert follow, and the alert can be acknowledged once', async () => {
    const opened = await getFhir(
      `${t.fhir}/Patient/${RICH}/$everything`,
      await as('unrelated-clinician', {
        'x-hie-relationship': 'emergency',
        'x-hie-access-reason': 'Unconscious patient in the emergency department',
      }),
    );
    expect(opened.status).toBe(200);
    const events = await auditEvents(`patient=${RICH}&agent=555000000009`);
    const alertEvent = events.find((e) => e.type.code === '110113');
    expect(alertEvent?.subtype?.[0]?.code).toBe('110127');
    expect(r4Errors(alertEvent!)).toEqual([]);

    const list = await fetch(`${t.broker.url}/admin/alerts?status=open`, await as('privacy-officer'));
    expect(list.status).toBe(200);
    const { alerts } = (await list.json()) as {
      alerts: { id: string; kind: string; patient: string; reason?: string }[];
    };
    const alert = alerts.find((a) => a.kind === 'emergency' && a.patient === RICH);
    expect(alert?.reason).toBe('Unconscious patient in the emergency department');

    const ack = await send('POST', `/admin/alerts/${alert!.id}/acknowledge`, {
      note: 'Checked with the ED consultant: appropriate.',
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      status: 'acknowledged',
      acknowledgement: { by: { id: '555000000007' } },
    });
    const again = await send('POST', `/admin/alerts/${alert!.id}/acknowledge`, { note: 'twice' });
    expect(again.status).toBe(409);
    const empty = await send('POST', `/admin/alerts/${alert!.id}/acknowledge`, { note: '' });
    expect([400, 409]).toContain(empty.status);
    const clinician = await fetch(`${t.broker.url}/admin/alerts`, await as('gp'));
    expect(clinician.status).toBe(403);
  });

  it('when a self-claimed relationship is used, then a privacy-officer alert is raised', async () => {
    await getFhir(
      `${t.fhir}/Condition?patient=${RICH}`,
      await as('unrelated-clinician', {
        'x-hie-relationship': 'self-claimed',
        'x-hie-access-reason': 'Covering the ward round for a colleague',
      }),
    );
    const list = await fetch(`${t.broker.url}/admin/alerts?status=all`, await as('privacy-officer'));
    const { alerts } = (await list.json()) as { alerts: { kind: string }[] };
    expect(alerts.some((a) => a.kind === 'self-claimed')).toBe(true);
  });

  it('when anyone but a privacy officer asks for the audit trail, then 403; and every reading of it is itself audited', async () => {
    expect((await getFhir(`${t.fhir}/AuditEvent?patient=${RICH}`, await as('gp'))).status).toBe(403);
    await auditEvents(`patient=${RICH}`);
    const reads = await auditEvents('agent=555000000007');
    expect(reads.some((e) => actionOf(e) === 'audit-search' && patientOf(e) === RICH)).toBe(true);
    const gpReads = await auditEvents('agent=555000000001');
    expect(gpReads.some((e) => actionOf(e) === 'audit-search' && e.outcome === '4')).toBe(true);
  });

  it('when searching by organisation and date, then only matching events come back, newest first, with a next link', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const byOrg = await auditEvents(`organization=R1X&date=${today}`);
    expect(byOrg.length).toBeGreaterThan(0);
    expect(byOrg.every((e) => e.agent.some((a) => a.who?.identifier?.value === 'R1X'))).toBe(true);
    expect(await auditEvents('date=lt2000-01-01')).toEqual([]);
    const page = await getFhir<Bundle>(`${t.fhir}/AuditEvent?_count=2`, await as('privacy-officer'));
    const next = page.body.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const second = await getFhir<Bundle>(next!, await as('privacy-officer'));
    const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id);
    expect(ids(second.body).some((id) => ids(page.body).includes(id))).toBe(false);
    const bad = await getFhir<OperationOutcome>(
      `${t.fhir}/AuditEvent?date=yesterday`,
      await as('privacy-officer'),
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/date must be a date/);
  });

  it('when an operator asks for usage, then views, unique users, by organisation, role and source come back (admin only)', async () => {
    const response = await fetch(`${t.broker.url}/admin/usage`, await as('admin'));
    expect(response.status).toBe(200);
    const usage = (await response.json()) as {
      views: number;
      uniqueUsers: number;
      byOrganisation: Record<string, { views: number; users: number }>;
      byRole: Record<string, { views: number }>;
      bySource: Record<string, number>;
    };
    expect(usage.views).toBeGreaterThanOrEqual(3);
    expect(usage.uniqueUsers).toBeGreaterThanOrEqual(2);
    expect(usage.byOrganisation.R1X?.views).toBeGreaterThanOrEqual(1);
    expect(usage.byRole.R8000?.views).toBeGreaterThanOrEqual(1);
    expect(usage.bySource.gp).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${t.broker.url}/admin/usage`, await as('gp'))).status).toBe(403);
    expect((await fetch(`${t.broker.url}/admin/usage?from=2026-02-30`, await as('admin'))).status).toBe(400);
  });

  describe('objections', () => {
    it('when a patient objects to all sharing, then every route answers 403 saying so, and nothing else', async () => {
      const created = await send('POST', '/fhir/Consent', objection(OBJECTING));
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toMatch(/\/fhir\/Consent\/[0-9a-f-]{36}\/_history\/1$/);
      for (const path of [
        `/fhir/Patient/${OBJECTING}/$everything`,
        `/fhir/Patient/${OBJECTING}`,
        `/fhir/Patient?identifier=${NHS_NUMBER_SYSTEM}|${OBJECTING}`,
        `/fhir/Condition?patient=${OBJECTING}`,
        `/api/v1/patients/${OBJECTING}/record`,
      ]) {
        const answer = await getFhir<OperationOutcome>(`${t.broker.url}${path}`, await as('gp'));
        expect({ path, status: answer.status }).toEqual({ path, status: 403 });
        expect(answer.body.resourceType).toBe('OperationOutcome');
        expect(answer.body.issue).toHaveLength(1);
        expect(answer.body.issue[0]!.details?.text).toMatch(/The patient has objected/);
      }
      // Even emergency access is refused unless the operator allows overrides.
      const glass = await getFhir(
        `${t.fhir}/Patient/${OBJECTING}/$everything`,
        await as('ed-doctor', {
          'x-hie-relationship': 'emergency',
          'x-hie-access-reason': 'Cardiac arrest in resus',
        }),
      );
      expect(glass.status).toBe(403);
      const refused = await auditEvents(`patient=${OBJECTING}&agent=555000000001`);
      expect(refused.some((e) => e.outcome === '4' && /objected/.test(e.outcomeDesc ?? ''))).toBe(true);
    });

    it('when a patient objects to sharing from one organisation, then that source is skipped (objection) and the rest is shown', async () => {
      const created = await send('POST', '/fhir/Consent', objection(RICH, ['R1Y']));
      expect(created.status).toBe(201);
      const view = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`, await as('gp'));
      expect(view.status).toBe(200);
      const issue = sourceIssues(view.body, 'mental-health')[0];
      expect(issue?.details?.coding?.map((c) => c.code)).toContain('skipped');
      expect(JSON.stringify(issue)).toMatch(/objection/);
      expect(
        (view.body.entry ?? []).some(
          (e) => e.resource?.id?.startsWith('mental-health-') && e.search?.mode === 'match',
        ),
      ).toBe(false);
      expect((view.body.entry ?? []).some((e) => e.resource?.id?.startsWith('gp-'))).toBe(true);

      // Withdrawn: a new version with status inactive; the source is asked again.
      const id = (created.body as Consent).id!;
      const withdrawn = await send('PUT', `/fhir/Consent/${id}`, {
        ...objection(RICH, ['R1Y'], 'inactive'),
        id,
      });
      expect(withdrawn.status).toBe(200);
      expect((withdrawn.body as Consent).meta?.versionId).toBe('2');
      const again = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`, await as('gp'));
      expect((again.body.entry ?? []).some((e) => e.resource?.id?.startsWith('mental-health-'))).toBe(true);
      const changes = await auditEvents(`patient=${RICH}&agent=555000000007`);
      expect(changes.map(actionOf)).toEqual(expect.arrayContaining(['consent-create', 'consent-update']));
    });

    it('when a later page is read, then it is audited; once the patient objects, the next page is refused until the search is repeated', async () => {
      const patient = DEMO_NHS_NUMBERS.gpAndNeighbour;
      const first = await getFhir<Bundle>(
        `${t.fhir}/Patient/${patient}/$everything?_count=2`,
        await as('gp'),
      );
      expect(first.status).toBe(200);
      const next = first.body.link?.find((l) => l.relation === 'next')?.url;
      expect(next).toBeDefined();
      expect((await getFhir(next!, await as('gp'))).status).toBe(200);
      const pages = (await auditEvents(`patient=${patient}&agent=555000000001`)).filter(
        (e) => actionOf(e) === 'patient-page',
      );
      expect(pages.map((e) => e.outcome)).toEqual(['0']);

      expect((await send('POST', '/fhir/Consent', objection(patient))).status).toBe(201);
      const refused = await getFhir<OperationOutcome>(next!, await as('gp'));
      expect(refused.status).toBe(403);
      expect(refused.body.issue[0]!.details?.text).toMatch(/changed since this search: repeat the search/);
    });

    it('when a Consent is malformed or sent by a clinician, then a 400 naming each problem, or a 403; never a delete', async () => {
      const bad = await send('POST', '/fhir/Consent', {
        ...objection(RICH),
        patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9000000000' } },
        provision: { type: 'permit' },
      });
      expect(bad.status).toBe(400);
      const texts = JSON.stringify(bad.body);
      expect(texts).toMatch(/Consent\.patient\.identifier\.value must be a valid NHS number/);
      expect(texts).toMatch(/Consent\.provision\.type must be deny/);
      expect((await send('POST', '/fhir/Consent', objection(RICH), 'gp')).status).toBe(403);
      expect((await send('POST', '/fhir/Consent', 'not json at all')).status).toBe(400);
      const raw = await fetch(`${t.fhir}/Consent`, {
        method: 'POST',
        headers: { authorization: await bearer('privacy-officer'), 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(raw.status).toBe(415);
      const list = await getFhir<Bundle>(
        `${t.fhir}/Consent?patient=${OBJECTING}`,
        await as('privacy-officer'),
      );
      const id = list.body.entry![0]!.resource!.id!;
      const del = await fetch(`${t.fhir}/Consent/${id}`, {
        method: 'DELETE',
        headers: await bearer('privacy-officer').then((a) => ({ authorization: a })),
      });
      expect(del.status).toBe(405);
    });
  });

  it('when the restricted patient is opened, then the AuditEvent counts what was withheld', async () => {
    const opened = await getFhir<Bundle>(`${t.fhir}/Patient/${RESTRICTED}/$everything`, await as('gp'));
    expect(opened.status).toBe(200);
    const [event] = await auditEvents(`patient=${RESTRICTED}&agent=555000000001`);
    expect(Number(detailOf(event!, 'resources-withheld'))).toBeGreaterThan(0);
  });
});

describe('when the audit trail cannot record the access', () => {
  let t: TestRegion;
  const schema = `hie_gov_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: DATABASE_URL });
  beforeAll(async () => {
    await admin.connect();
    t = await startTestRegion({
      audit: { store: { kind: 'postgres', url: DATABASE_URL, schema, poolSize: 2 } },
    });
  });
  afterAll(async () => {
    await t.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('then the view fails with 503 and no patient data, and works again once it can', async () => {
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE ${schema}.journal IN ACCESS EXCLUSIVE MODE`);
    let answer;
    try {
      answer = await getFhir<OperationOutcome>(`${t.fhir}/Patient/${RICH}/$everything`);
    } finally {
      await admin.query('ROLLBACK');
    }
    expect(answer.status).toBe(503);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(answer.body)).toMatch(/could not be recorded in the audit trail/);
    expect(JSON.stringify(answer.body)).not.toMatch(/Clarke|9000000009/);
    expect((await getFhir(`${t.fhir}/Patient/${RICH}/$everything`)).status).toBe(200);
  });
});

describe('from the view to the sinks, and an operator who allows emergency overrides', () => {
  let t: TestRegion;
  let fhirSink: AuditSink;
  let alertSink: AuditSink;
  beforeAll(async () => {
    fhirSink = await AuditSink.start();
    alertSink = await AuditSink.start();
    t = await startTestRegion({
      config: {
        objections: { emergencyOverride: true },
        audit: {
          sinks: { fhir: { url: fhirSink.url }, alerts: { url: alertSink.url } },
          delivery: { attempts: 3, backoffMs: 50, relayIntervalMs: 200 },
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fhirSink.down();
    await alertSink.down();
  });

  it('when a clinician breaks the glass on an objecting patient, then the record is shown, the override is alerted, and the AuditEvents and alerts reach their sinks', async () => {
    const created = await fetch(`${t.fhir}/Consent`, {
      method: 'POST',
      headers: { authorization: await bearer('privacy-officer'), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(objection(OBJECTING)),
    });
    expect(created.status).toBe(201);
    expect(
      (
        await getFhir(`${t.fhir}/Patient/${OBJECTING}/$everything`, {
          headers: { authorization: await bearer('ed-doctor') },
        })
      ).status,
    ).toBe(403);
    const opened = await getFhir(`${t.fhir}/Patient/${OBJECTING}/$everything`, {
      headers: {
        authorization: await bearer('ed-doctor'),
        'x-hie-relationship': 'emergency',
        'x-hie-access-reason': 'Unresponsive patient brought in by ambulance',
        'x-request-id': 'override-1',
      },
    });
    expect(opened.status).toBe(200);
    await waitUntil('both alerts reached the alerts webhook', () => alertSink.stored.size >= 2);
    const kinds = [...alertSink.stored.values()].map((alert) => alert.kind).sort();
    expect(kinds).toEqual(['emergency', 'objection-overridden']);
    await waitUntil('the view and security-alert AuditEvents reached the FHIR sink', () =>
      [...fhirSink.stored.values()].some((event) => (event as unknown as AuditEvent).type?.code === '110113'),
    );
    const view = [...fhirSink.stored.values()]
      .map((event) => event as unknown as AuditEvent)
      .find((event) => detailOf(event, 'request-id') === 'override-1' && event.type.code === 'rest');
    expect(patientOf(view!)).toBe(OBJECTING);
    expect(fhirSink.receipts.every((r) => r.method === 'PUT' && r.path === `/AuditEvent/${r.id}`)).toBe(true);
  });
});
