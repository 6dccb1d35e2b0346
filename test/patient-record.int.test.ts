import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { PatientRecord, RecordItem } from '../broker/record/record-types';
import { SECTION_IDS } from '../broker/record/sections';
import { DEMO_NHS_NUMBERS, SIM_NODE_IDS } from '../sim/population/types';
import { bearer } from './support/identity';
import { getFhir } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

/** A real HTTP GET of the viewer's record, parsed as JSON. */
/** A self-claimed relationship: whether an unknown NHS number exists is told only with one. */
const CLAIMED = {
  'x-hie-relationship': 'self-claimed',
  'x-hie-access-reason': 'Patient arrived at our clinic with this NHS number',
};

async function getRecord<T = PatientRecord>(
  t: TestRegion,
  nhs: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; body: T }> {
  const response = await fetch(`${t.broker.url}/api/v1/patients/${nhs}/record`, {
    headers: { authorization: await bearer(), ...headers },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as T,
  };
}

/** Every item, results inside their reports included. */
const allItems = (record: PatientRecord): RecordItem[] =>
  record.sections
    .flatMap((s) => [...s.items, ...(s.alerts ?? [])])
    .flatMap((i) => [i, ...(i.report?.results ?? [])]);

describe('the viewer record over real HTTP', () => {
  let t: TestRegion;
  let record: PatientRecord;
  let everything: Bundle;
  beforeAll(async () => {
    t = await startTestRegion();
    const answer = await getRecord(t, RICH);
    expect(answer.status).toBe(200);
    record = answer.body;
    everything = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`)).body;
  });
  afterAll(() => t.close());

  it('when the record of 9000000009 is read, then all ten sections are present in order and the banner reads 900 000 0009', () => {
    expect(record.sections.map((s) => s.id)).toEqual([...SECTION_IDS]);
    expect(record.patient).toMatchObject({
      nhsNumber: '900 000 0009',
      name: 'CLARKE, Amelia',
      birthDate: '1957-03-14',
      sex: 'female',
    });
    expect(record.patient.registeredGp).toContain('(Y90001)');
    for (const id of SECTION_IDS) {
      const section = record.sections.find((s) => s.id === id)!;
      expect({ id, empty: section.items.length === 0 }).toEqual({ id, empty: false });
    }
    expect(record.sections.find((s) => s.id === 'medications')!.alerts!.length).toBeGreaterThan(0);
  });

  it('when items are listed, then each section is newest first, with undated items last', () => {
    for (const section of record.sections) {
      const times = section.items.map((i) => (i.date ? Date.parse(i.date) : Number.NEGATIVE_INFINITY));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    }
  });

  it('when items are listed, then every item has its sources and a reference that is in the $everything bundle', () => {
    const inBundle = new Set(
      (everything.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
    );
    for (const item of allItems(record)) {
      expect(item.sources.length).toBeGreaterThan(0);
      expect(item.sources.every((s) => s.name && s.odsCode)).toBe(true);
      expect({ reference: item.reference, inBundle: inBundle.has(item.reference) }).toEqual({
        reference: item.reference,
        inBundle: true,
      });
      for (const ref of [...(item.duplicates ?? []), ...(item.related ?? [])])
        expect(inBundle.has(ref)).toBe(true);
    }
  });

  it('when compared with $everything, then every clinical entry is in the record: as an item, a grouped duplicate or a folded authorisation', () => {
    const shown = new Set(
      allItems(record).flatMap((i) => [i.reference, ...(i.duplicates ?? []), ...(i.related ?? [])]),
    );
    const clinical = (everything.entry ?? [])
      .filter((e) => e.search?.mode === 'match' && e.resource?.resourceType !== 'Patient')
      .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
    expect(clinical.filter((ref) => !shown.has(ref))).toEqual([]);
  });

  it('when several sources record the same fact, then it appears once, listing every source', () => {
    const items = allItems(record);
    const grouped = items.filter((i) => i.duplicates?.length);
    expect(grouped.length).toBeGreaterThan(0);
    const references = new Set(items.map((i) => i.reference));
    for (const item of grouped) {
      expect(item.sources.length).toBeGreaterThan(1);
      for (const duplicate of item.duplicates!) expect(references.has(duplicate)).toBe(false);
    }
    const penicillin = items.filter((i) => i.title === 'Penicillin');
    expect(penicillin).toHaveLength(1);
    expect(penicillin[0]!.sources.map((s) => s.id)).toEqual(['gp', 'acute', 'neighbouring-ics']);
  });

  it('when results are shown, then value with unit, reference range and abnormal flag come from the source', () => {
    const results = allItems(record);
    const hba1c = results.find((i) => i.reference === 'Observation/gp-obs-1')!;
    expect(hba1c).toMatchObject({
      title: 'HbA1c (IFCC)',
      date: '2026-09-14T09:32:00Z',
      status: 'final',
      result: {
        value: '58 mmol/mol',
        range: '20 mmol/mol – 41 mmol/mol',
        flag: 'H',
        flagBasis: 'interpretation',
      },
    });
    const respiratoryRate = results.find(
      (i) => i.reference === 'Observation/ambulance-CAS-20260912-000002-obs-1-rr',
    )!;
    expect(respiratoryRate.result).toEqual({ value: '26 /min' });
  });

  it('when the record is read, then the status of all five sources is reported', () => {
    expect(record.sources.map((s) => s.id).sort()).toEqual([...SIM_NODE_IDS].sort());
    for (const source of record.sources) {
      expect(source).toMatchObject({ status: 'ok', name: expect.any(String), odsCode: expect.any(String) });
      expect(source.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(record.withheld).toEqual({
      otherPatient: 0,
      excludedSources: 0,
      excludedItems: 0,
      beforeSince: 0,
      sensitive: 0,
    });
    expect(record.queryId).toEqual(expect.any(String));
  });

  it('when the NHS number is malformed, then the answer is a 400 OperationOutcome as JSON', async () => {
    const { status, contentType, body } = await getRecord<OperationOutcome>(t, '9000000008');

    expect(status).toBe(400);
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.details?.text).toBe(
      'The NHS number in the path fails the modulus-11 check (a digit is probably mistyped).',
    );
  });

  it('when no source knows the patient, then a clinician who stated a relationship is told 404; one who did not, the usual 403', async () => {
    expect((await getRecord<OperationOutcome>(t, '9434765919')).status).toBe(403);
    const { status, body } = await getRecord<OperationOutcome>(t, '9434765919', CLAIMED);

    expect(status).toBe(404);
    expect(body.issue[0]?.details?.text).toBe('No source holds a record for this NHS number.');
  });

  it('when no source can answer, then the answer is a 503 OperationOutcome, never an empty record', async () => {
    for (const id of SIM_NODE_IDS) t.region.nodes[id].setFault({ fault: { kind: 'status', status: 500 } });
    try {
      const { status, body } = await getRecord<OperationOutcome>(t, RICH);
      expect(status).toBe(503);
      expect(body.issue[0]?.code).toBe('transient');
    } finally {
      t.heal();
    }
  });

  it('when the record is served, then the access log names the route and holds no NHS number or name', async () => {
    await getRecord(t, RICH);
    expect(t.logs.some((line) => line.route === '/api/v1/patients/:nhs/record')).toBe(true);
    expect(JSON.stringify(t.logs)).not.toMatch(/9000000009|Clarke|resourceType/);
  });
});
