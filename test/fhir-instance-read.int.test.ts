import type { AuditEvent, Bundle, Consent, Resource } from '@medplum/fhirtypes';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import smart from 'fhirclient';
import { Redis } from 'ioredis';
import { createLogger } from '../broker/observability/logger';
import { startBroker, type RunningBroker } from '../broker/start-broker';
import { regionConfig } from '../sim/region-config';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import type { PersonaId } from '../sim/identity-provider';
import { getFhir } from './support/fhir-http';
import { bearer, testIdentity } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const RESTRICTED = DEMO_NHS_NUMBERS.restricted;
const GP_ONLY = DEMO_NHS_NUMBERS.gpAndNeighbour;

const as = async (persona: PersonaId, headers: Record<string, string> = {}) => ({
  headers: { authorization: await bearer(persona), ...headers },
});
const matches = (bundle: Bundle): Resource[] =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);
const includes = (bundle: Bundle, type: string): Resource[] =>
  (bundle.entry ?? [])
    .filter((e) => e.search?.mode === 'include' && e.resource?.resourceType === type)
    .map((e) => e.resource!);

function objectionTo(nhsNumber: string): Consent {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: { type: 'deny', period: { start: '2020-01-01' } },
  };
}

describe('FHIR instance reads (GET /fhir/{Type}/{id})', () => {
  let t: TestRegion;

  beforeAll(async () => {
    t = await startTestRegion({
      config: { rateLimit: { perUser: { points: 10000, durationSeconds: 60 } } },
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('when a clinician reads every condition, medication and Medication a search gave, then each is the resource the search showed', async () => {
    const conditions = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}`);
    const medications = await getFhir<Bundle>(`${t.fhir}/MedicationStatement?patient=${RICH}`);
    const shown = [
      ...matches(conditions.body),
      ...matches(medications.body),
      ...includes(medications.body, 'Medication'),
    ];
    expect(shown.filter((r) => r.resourceType === 'Medication').length).toBeGreaterThan(0);
    expect(shown.some((r) => r.id?.startsWith('acute-'))).toBe(true);
    for (const resource of shown) {
      const read = await getFhir<Resource>(`${t.fhir}/${resource.resourceType}/${resource.id}`);
      expect([resource.id, read.status]).toEqual([resource.id, 200]);
      expect(read.headers.get('content-type')).toMatch(/application\/fhir\+json/);
      expect(read.body.resourceType).toBe(resource.resourceType);
      expect(read.body.id).toBe(resource.id);
      expect(read.body.meta?.source).toBe(resource.meta?.source);
      // Clinical content as the source sent it: only a group representative's links to its duplicates differ.
      const { extension: _a, meta: _m, ...readContent } = read.body as Resource & { extension?: unknown };
      const { extension: _b, meta: _n, ...shownContent } = resource as Resource & { extension?: unknown };
      expect(readContent).toEqual(shownContent);
    }
  });

  it("when the SMART JS client (fhirclient) resolves every reference in 9000000009's medications and conditions, then none is missing", async () => {
    const token = (await bearer()).slice('Bearer '.length);
    const client = smart({ headers: {}, url: '/', method: 'GET' } as never, {} as never).client({
      serverUrl: t.fhir,
      tokenResponse: { access_token: token, patient: RICH },
    });
    const resolved = async (url: string, paths: string[]) =>
      (await client.request<Bundle>(url, { resolveReferences: paths, graph: true })).entry ?? [];
    const statements = await resolved(`MedicationStatement?patient=${RICH}`, ['medicationReference']);
    const withMedication = statements.filter((e) => e.search?.mode === 'match');
    expect(withMedication.length).toBeGreaterThan(0);
    for (const entry of withMedication) {
      const medication = (entry.resource as { medicationReference?: Resource }).medicationReference;
      if (medication) expect(medication.resourceType).toBe('Medication');
    }
    const conditions = await resolved(`Condition?patient=${RICH}`, ['encounter', 'asserter', 'recorder']);
    let followed = 0;
    for (const entry of conditions.filter((e) => e.search?.mode === 'match')) {
      for (const path of ['encounter', 'asserter', 'recorder'] as const) {
        const target = (entry.resource as unknown as Record<string, unknown>)[path] as
          (Resource & { reference?: string }) | undefined;
        // A display-only reference names nothing to follow.
        if (!target || (!target.reference && !target.resourceType)) continue;
        // Resolved in place: the Resource itself, not a reference left dangling.
        expect([entry.resource!.id, path, target.reference]).toEqual([entry.resource!.id, path, undefined]);
        expect(target.resourceType).toBeDefined();
        followed++;
      }
    }
    expect(followed).toBeGreaterThan(0);
    // Every Medication and Condition read by id answers as the search showed it.
    for (const entry of [...withMedication, ...conditions.filter((e) => e.search?.mode === 'match')]) {
      const read = await client.request<Resource>(`${entry.resource!.resourceType}/${entry.resource!.id}`);
      expect(read.id).toBe(entry.resource!.id);
    }
  });

  it('when a record item is read, then only the source its id names is asked for the record', async () => {
    const conditions = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}`);
    const acute = matches(conditions.body).find((r) => r.id?.startsWith('acute-'))!;
    const others = () => t.region.nodes['mental-health'].requests.search;
    const acuteSearches = () => t.region.nodes.acute.requests.search;
    const [otherBefore, acuteBefore] = [others(), acuteSearches()];
    const read = await getFhir<Resource>(`${t.fhir}/Condition/${acute.id}`);
    expect(read.status).toBe(200);
    expect(others()).toBe(otherBefore);
    expect(acuteSearches()).toBeGreaterThan(acuteBefore);
  });

  it('when the id is unknown, names no source, or belongs to a record this user was not shown, then 404 with the same words, revealing nothing', async () => {
    // The GP was shown this patient's record; the ED doctor was not.
    const other = await getFhir<Bundle>(`${t.fhir}/Patient/${GP_ONLY}/$everything`);
    const othersItem = matches(other.body).find((r) => r.resourceType !== 'Patient')!;
    const answers = await Promise.all([
      getFhir(`${t.fhir}/${othersItem.resourceType}/acute-no-such-thing`),
      getFhir(`${t.fhir}/${othersItem.resourceType}/nowhere-cond-1`),
      getFhir(`${t.fhir}/${othersItem.resourceType}/${othersItem.id}`, await as('ed-doctor')),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body.resourceType).toBe('OperationOutcome');
    }
    const texts = new Set(answers.map((a) => JSON.stringify(a.body)));
    expect(texts.size).toBe(1);
    expect([...texts][0]).not.toMatch(/\d{10}/);
  });

  it('when the type is one the broker does not serve, then 404 naming what can be read', async () => {
    const answer = await getFhir(`${t.fhir}/Specimen/acute-1`);
    expect(answer.status).toBe(404);
    expect(JSON.stringify(answer.body)).toMatch(/Readable: Patient, Condition/);
  });

  it("when a restricted patient's sensitive item's id is asked for, then 404: it was never shown and is not read", async () => {
    const view = await getFhir<Bundle>(`${t.fhir}/Patient/${RESTRICTED}/$everything`);
    expect(view.status).toBe(200);
    const shownIds = new Set((view.body.entry ?? []).map((e) => e.resource?.id));
    const withheld = t.region.population.nodes.gp.records
      .get(t.region.population.nodes.gp.localIdByNhs.get(RESTRICTED)!)!
      .resources.filter((r) => JSON.stringify(r).match(/"(R|V)"|105629000/))
      .map((r) => ({ type: r.resourceType, id: `gp-${r.id}` }))
      .filter((r) => !shownIds.has(r.id));
    expect(withheld.length).toBeGreaterThan(0);
    for (const item of withheld) {
      expect((await getFhir(`${t.fhir}/${item.type}/${item.id}`)).status).toBe(404);
    }
  });

  it('when a role may not see a type, then reading an item of it is 404, and an item it may see is read', async () => {
    const gpView = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}`);
    const condition = matches(gpView.body)[0]!;
    const appointments = await getFhir<Bundle>(
      `${t.fhir}/Appointment?patient=${RICH}`,
      await as('receptionist'),
    );
    expect(appointments.status).toBe(200);
    const appointment = matches(appointments.body)[0]!;
    expect((await getFhir(`${t.fhir}/Condition/${condition.id}`, await as('receptionist'))).status).toBe(404);
    const read = await getFhir(`${t.fhir}/Appointment/${appointment.id}`, await as('receptionist'));
    expect(read.status).toBe(200);
  });

  it('when a read is answered, then it was recorded in the audit trail first, as a read of that patient', async () => {
    const conditions = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}`);
    const condition = matches(conditions.body)[0]!;
    const read = await getFhir(
      `${t.fhir}/Condition/${condition.id}`,
      await as('gp', { 'x-request-id': 'instance-read-audit-1' }),
    );
    expect(read.status).toBe(200);
    const trail = await getFhir<Bundle>(
      `${t.fhir}/AuditEvent?patient=${RICH}&_count=50`,
      await as('privacy-officer'),
    );
    const event = (trail.body.entry ?? [])
      .map((e) => e.resource as AuditEvent)
      .find((e) => JSON.stringify(e).includes('instance-read-audit-1'));
    expect(event?.outcome).toBe('0');
    expect(event?.subtype?.some((c) => c.code === 'read')).toBe(true);
    // What was released: the one resource, not the source's whole answer.
    const returned = event?.entity
      ?.flatMap((e) => e.detail ?? [])
      .find((d) => d.type === 'resources-returned');
    expect(returned?.valueString).toBe('1');
  });

  it('when the patient objects after the search, then a read of an item shown before is refused', async () => {
    const record = await getFhir<Bundle>(`${t.fhir}/Patient/${GP_ONLY}/$everything`);
    const item = matches(record.body).find((r) => r.resourceType !== 'Patient')!;
    expect((await getFhir(`${t.fhir}/${item.resourceType}/${item.id}`)).status).toBe(200);
    const created = await fetch(`${t.broker.url}/fhir/Consent`, {
      method: 'POST',
      headers: {
        authorization: await bearer('privacy-officer'),
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
      },
      body: JSON.stringify(objectionTo(GP_ONLY)),
    });
    expect(created.status).toBe(201);
    const refused = await getFhir(`${t.fhir}/${item.resourceType}/${item.id}`);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toMatch(/objected/);
    expect(JSON.stringify(refused.body)).not.toContain(item.id);
  });
});

describe('reads by id across processes sharing Redis', () => {
  let t: TestRegion;
  let other: RunningBroker;
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const brokerId = `read-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'hie-key-')), 'broker.pem');
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    writeFileSync(keyFile, pem, { mode: 0o600 });
    // Two processes of one broker: one id, one signing key, one Redis (its keys under this test's broker id).
    const shared = {
      broker: { id: brokerId, signingKey: { file: keyFile } },
      redis: { url: 'redis://127.0.0.1:6379' },
    };
    t = await startTestRegion({ config: shared });
    other = await startBroker(
      regionConfig(t.region, { auth: { issuers: [(await testIdentity()).issuerConfig()] }, extra: shared }),
      createLogger({ level: 'silent' }),
    );
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await t?.close();
    const keys = await redis.keys(`hie-broker:${brokerId}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('when one process answered the search, then another reads its ids, and Redis holds neither the NHS number nor the id in clear', async () => {
    const conditions = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}`);
    const condition = matches(conditions.body)[0]!;
    const read = await getFhir<Resource>(`${other.url}/fhir/Condition/${condition.id}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(condition.id);
    const keys = await redis.keys(`hie-broker:${brokerId}:ref:*`);
    expect(keys.length).toBeGreaterThan(0);
    const stored = [...keys, ...(await Promise.all(keys.slice(0, 20).map((k) => redis.getBuffer(k))))].join(
      '|',
    );
    expect(stored).not.toContain(RICH);
    expect(stored).not.toContain(condition.id);
    // Another user, through either process, is not shown it.
    expect((await getFhir(`${other.url}/fhir/Condition/${condition.id}`, await as('ed-doctor'))).status).toBe(
      404,
    );
  });
});
