import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { NEIGHBOUR } from '../sim/neighbouring-region';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { r4Errors } from './support/fhir-validator';
import { bearer } from './support/identity';
import { closingOutcome, getFhir, sourceIssues, statusOf } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
/** The sources whose stored records are FHIR R4, so that the view can be compared with them directly. */
const SPEAKS_FHIR_R4 = new Set(['acute', 'mental-health', 'neighbouring-ics']);
const SOURCE_ODS = {
  gp: 'Y90001',
  acute: 'R1X',
  'mental-health': 'R1Y',
  ambulance: 'R1Z',
  'neighbouring-ics': 'Q9X',
};

/** A self-claimed relationship: whether an unknown NHS number exists is told only with one. */
const CLAIMED = {
  'x-hie-relationship': 'self-claimed',
  'x-hie-access-reason': 'Patient arrived at our clinic with this NHS number',
};

describe('the merged patient view over real HTTP', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  const matches = (bundle: Bundle): Resource[] =>
    (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);

  it('when $everything is asked for 9000000009, then resources from all five sources arrive with provenance', async () => {
    const { status, headers, body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);

    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(body.type).toBe('searchset');
    const resources = matches(body);
    expect(resources[0]).toMatchObject({ resourceType: 'Patient', id: RICH });
    const clinical = resources.slice(1);
    // The last ODS tag is the source the broker asked; a neighbouring region's items also keep their origin's.
    const odsCodes = new Set(
      clinical.map((r) => r.meta?.tag?.filter((tag) => tag.system === ODS_CODE_SYSTEM).at(-1)?.code),
    );
    expect([...odsCodes].sort()).toEqual(Object.values(SOURCE_ODS).sort());
    for (const r of clinical.filter((c) => c.id!.startsWith('neighbouring-ics-'))) {
      expect(r.meta?.tag?.filter((tag) => tag.system === ODS_CODE_SYSTEM).map((tag) => tag.code)).toEqual([
        NEIGHBOUR.store.odsCode,
        NEIGHBOUR.odsCode,
      ]);
    }
    for (const resource of clinical) {
      const sourceId = Object.entries(SOURCE_ODS).find(
        ([, ods]) => ods === resource.meta?.tag?.at(-1)?.code,
      )![0];
      expect(resource.id?.startsWith(`${sourceId}-`)).toBe(true);
      expect(
        resource.meta?.source?.startsWith(t.region.nodes[sourceId as keyof typeof SOURCE_ODS].baseUrl),
      ).toBe(true);
    }
    expect(body.total).toBe(resources.length);
    // One per source, plus the neighbouring broker's own for its store: the chain of custody.
    expect((body.entry ?? []).filter((e) => e.resource?.resourceType === 'Provenance')).toHaveLength(6);
    const issues = closingOutcome(body).issue;
    expect(issues[0]?.details?.text).toBe('5 sources consulted: 5 ok.');
    // Nothing went wrong; the only notes are information (e.g. GP Connect items the record has no place for).
    expect(issues.filter((i) => i.severity !== 'information')).toEqual([]);
  });

  it("when the view is merged, then each resource equals the source's original apart from id, meta and references", async () => {
    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    const population = t.region.population;
    // References, and a document's attachment URL (it points at the broker, which fetches the document).
    const withoutRefs = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(withoutRefs);
      if (typeof node !== 'object' || node === null) return node;
      const isAttachment = 'contentType' in node && 'url' in node;
      return Object.fromEntries(
        Object.entries(node)
          .filter(([k]) => k !== 'reference' && !(isAttachment && k === 'url'))
          .map(([k, v]) => [k, withoutRefs(v)]),
      );
    };
    let compared = 0;
    for (const resource of matches(body).slice(1)) {
      const sourceId = Object.keys(SOURCE_ODS).find((id) => resource.id!.startsWith(`${id}-`))!;
      // Sources that speak another protocol hold no R4 original: their adapters' round-trip tests prove them.
      if (!SPEAKS_FHIR_R4.has(sourceId)) continue;
      const dataset = population.nodes[sourceId as keyof typeof SOURCE_ODS];
      const record = dataset.records.get(dataset.localIdByNhs.get(RICH)!)!;
      // Behind the neighbouring broker, its store's ids were namespaced once more.
      const prefix = sourceId === 'neighbouring-ics' ? `${sourceId}-${NEIGHBOUR.store.id}-` : `${sourceId}-`;
      const original = record.resources.find(
        (r) => r.resourceType === resource.resourceType && `${prefix}${r.id}` === resource.id,
      )!;
      expect(original).toBeDefined();
      const { id: _a, meta: metaA, ...merged } = resource;
      const { id: _b, meta: metaB, ...source } = original;
      expect(withoutRefs(merged)).toEqual(withoutRefs(source));
      expect(metaA?.lastUpdated).toBe(metaB?.lastUpdated);
      compared++;
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('when the merged Bundle is validated against the FHIR R4 definitions by a third-party validator, then it has no errors', async () => {
    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(r4Errors(body)).toEqual([]);
  });

  it('when a patient is searched by NHS number, then one Patient carries the identifiers of every source that knows them', async () => {
    const { status, body } = await getFhir<Bundle>(
      `${t.fhir}/Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${RICH}`)}`,
    );
    expect(status).toBe(200);
    const patients = matches(body) as Patient[];
    expect(patients).toHaveLength(1);
    const localIds = new Map(
      patients[0]!
        .identifier!.filter((i) => i.system?.includes('/source-patient/'))
        .map((i) => [i.system!.split('/').at(-1)!, i.value]),
    );
    const nodes = t.region.population.nodes;
    expect(Object.fromEntries(localIds)).toEqual({
      gp: nodes.gp.localIdByNhs.get(RICH),
      acute: nodes.acute.localIdByNhs.get(RICH),
      'mental-health': nodes['mental-health'].localIdByNhs.get(RICH),
      ambulance: nodes.ambulance.localIdByNhs.get(RICH),
      // The neighbouring broker knows the person by NHS number; its store, by its own local id.
      'neighbouring-ics': RICH,
      [NEIGHBOUR.store.id]: nodes['neighbouring-ics'].localIdByNhs.get(RICH),
    });
  });

  it('when a patient is known only to the GP and the neighbouring region, then the others report no match', async () => {
    const { status, body } = await getFhir<Bundle>(
      `${t.fhir}/Patient/${DEMO_NHS_NUMBERS.gpAndNeighbour}/$everything`,
    );
    expect(status).toBe(200);
    const tags = new Set(
      matches(body)
        .slice(1)
        .map((r) => r.meta?.tag?.at(-1)?.code),
    );
    expect([...tags].sort()).toEqual(['Q9X', 'Y90001']);
    for (const id of ['acute', 'mental-health', 'ambulance']) {
      expect(statusOf(sourceIssues(body, id)[0])).toBe('no-match');
    }
  });

  it('when _type is given, then only those types come back and sources that supply none are skipped with a reason', async () => {
    const { body } = await getFhir<Bundle>(
      `${t.fhir}/Patient/${RICH}/$everything?_type=AllergyIntolerance,Patient`,
    );
    const types = new Set(matches(body).map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['AllergyIntolerance', 'Patient']);
    for (const id of ['mental-health', 'ambulance']) {
      const [issue] = sourceIssues(body, id);
      expect(statusOf(issue)).toBe('skipped');
      expect(issue?.details?.text).toMatch(/does not supply the requested resource types/);
    }
  });

  it('when _since is given, then only resources updated since then are in the view', async () => {
    const { body: all } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    const dates = matches(all)
      .slice(1)
      .map((r) => r.meta!.lastUpdated!)
      .sort();
    const since = dates[Math.floor(dates.length / 2)]!;
    const { status, body } = await getFhir<Bundle>(
      `${t.fhir}/Patient/${RICH}/$everything?_since=${encodeURIComponent(since)}`,
    );
    expect(status).toBe(200);
    const recent = matches(body).slice(1);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(dates.length);
    for (const r of recent)
      expect(Date.parse(r.meta!.lastUpdated!)).toBeGreaterThanOrEqual(Date.parse(since));
  });

  it('when one type is searched by patient, then only that type comes back, from every source that supplies it', async () => {
    const { status, body } = await getFhir<Bundle>(`${t.fhir}/Condition?patient=Patient/${RICH}`);
    expect(status).toBe(200);
    const resources = matches(body);
    expect(new Set(resources.map((r) => r.resourceType))).toEqual(new Set(['Condition']));
    // Every source's Condition is in the view: shown, or grouped under another source's record of it.
    const members = (body.entry ?? []).filter(
      (e) => e.search?.mode === 'include' && e.resource?.resourceType === 'Condition',
    );
    const expected = Object.keys(SOURCE_ODS).reduce((n, id) => {
      const dataset = t.region.population.nodes[id as keyof typeof SOURCE_ODS];
      return (
        n +
        dataset.records
          .get(dataset.localIdByNhs.get(RICH)!)!
          .resources.filter((r) => r.resourceType === 'Condition').length
      );
    }, 0);
    expect(resources.length + members.length).toBe(expected);
    expect(body.total).toBe(resources.length);
  });

  it('when the patient is read by NHS number, then the merged Patient comes back; an unknown one is a 404', async () => {
    const found = await getFhir<Patient>(`${t.fhir}/Patient/${RICH}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ resourceType: 'Patient', id: RICH });
    // Only with a stated relationship is the caller told that nobody knows the number (issue 13 section 5).
    expect((await getFhir(`${t.fhir}/Patient/9434765919`)).status).toBe(403);
    const unknown = await getFhir(`${t.fhir}/Patient/9434765919`, { headers: CLAIMED });
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
  });

  it('when no source knows the NHS number, then $everything is a 404 and a search is an empty searchset', async () => {
    expect((await getFhir(`${t.fhir}/Patient/9434765919/$everything`)).status).toBe(403);
    const everything = await getFhir(`${t.fhir}/Patient/9434765919/$everything`, { headers: CLAIMED });
    expect(everything.status).toBe(404);
    expect(JSON.stringify(everything.body)).toContain('No source holds a record for this NHS number.');
    const search = await getFhir<Bundle>(`${t.fhir}/Patient?identifier=${NHS_NUMBER_SYSTEM}|9434765919`, {
      headers: CLAIMED,
    });
    expect(search.status).toBe(200);
    expect(search.body.total).toBe(0);
    expect(closingOutcome(search.body).issue).toHaveLength(6);
  });

  it('when the broker calls a source, then it carries the request id upstream', async () => {
    await getFhir(`${t.fhir}/Patient/${RICH}`, { headers: { 'x-request-id': 'trace-me-123' } });
    expect(t.region.nodes.gp.lastRequestId()).toBe('trace-me-123');
  });

  it('when views are served, then no NHS number, name or resource appears in the logs', async () => {
    await getFhir(`${t.fhir}/Patient/${RICH}/$everything`);
    const text = JSON.stringify(t.logs);
    expect(
      t.logs.some((line) => line.msg === 'request' && line.route === '/fhir/Patient/:id/\\$everything'),
    ).toBe(true);
    expect(text).not.toMatch(/9000000009|Clarke|resourceType/);
  });

  it('when a real FHIR client reads the CapabilityStatement and searches for a patient, then both succeed', async () => {
    const client = new Client({ baseUrl: t.fhir, bearerToken: (await bearer()).slice('Bearer '.length) });
    const capability = (await client.capabilityStatement()) as unknown as {
      fhirVersion: string;
      rest: { resource: { type: string }[] }[];
    };
    expect(capability.fhirVersion).toBe('4.0.1');
    expect(capability.rest[0]!.resource.map((r) => r.type)).toContain('Patient');
    const bundle = (await client.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${NHS_NUMBER_SYSTEM}|${RICH}` },
    })) as unknown as Bundle;
    expect(bundle.entry?.[0]?.resource).toMatchObject({ resourceType: 'Patient', id: RICH });
  });
});
