import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES } from '../core/fhir/resource-types';
import type { PatientRecord } from '../broker/record/record-types';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS, type Population, type SimNodeId } from '../sim/population/types';
import {
  peerSource,
  registeredPeer,
  startBrokerUnderTest,
  type BrokerUnderTest,
} from './support/broker-under-test';
import { reservePort } from './support/reserved-port';
import { r4Errors } from './support/fhir-validator';
import { closingOutcome, getFhir, reasonOf, sourceIssues } from './support/fhir-http';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RESTRICTED = DEMO_NHS_NUMBERS.restricted;
const RICH = DEMO_NHS_NUMBERS.rich;
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** The one item the demo record marks as sensitive only by its SNOMED CT code (a chlamydial infection). */
const CODED_ONLY = '105629000';
/** What a withheld item of 9000000025 could give away, were any of it to leak. */
const TELLTALES = [
  '86406008', // HIV infection
  '93461009', // gender dysphoria
  CODED_ONLY,
  '20447-9', // HIV viral load
  '24467-3', // CD4 count
  'immunodeficiency',
  'HIV',
  'antiretroviral',
  'Gender dysphoria',
  'Chlamydia',
  'Sexual health',
  'GUM',
  'test of cure',
];

type Labelled = Resource & { securityLabel?: { coding?: { system?: string; code?: string }[] }[] };

/** The items a node holds for a person that the shipped policy must withhold: labelled R or V, or coded only. */
function sensitiveItems(population: Population, nodeId: SimNodeId, nhsNumber: string): Resource[] {
  const dataset = population.nodes[nodeId];
  const record = dataset.records.get(dataset.localIdByNhs.get(nhsNumber) ?? '');
  return (record?.resources ?? []).filter((r) => {
    const labels = [
      ...(r.meta?.security ?? []),
      ...((r as Labelled).securityLabel ?? []).flatMap((l) => l.coding ?? []),
    ];
    const coded = JSON.stringify((r as { code?: unknown }).code ?? {}).includes(`"${CODED_ONLY}"`);
    return coded || labels.some((l) => l.system === CONFIDENTIALITY && (l.code === 'R' || l.code === 'V'));
  });
}

/** `Type/id` of every record resource in a Bundle: the facts (matches) and the duplicates grouped under them. */
const recordResources = (bundle: Bundle): string[] =>
  (bundle.entry ?? [])
    .map((e) => e.resource!)
    .filter((r) => (RECORD_RESOURCE_TYPES as readonly string[]).includes(r.resourceType))
    .map((r) => `${r.resourceType}/${r.id}`);
const matches = (bundle: Bundle): Resource[] =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);
const withheldNote = (bundle: Bundle | OperationOutcome, sourceId: string) =>
  sourceIssues(bundle, sourceId).find((i) => reasonOf(i) === 'sensitive-withheld');
const countIn = (text: string | undefined): number =>
  Number(/had (\d+) items? withheld/.exec(text ?? '')?.[1] ?? 0);

async function getRecord(t: TestRegion, nhs: string): Promise<PatientRecord> {
  const response = await fetch(`${t.broker.url}/api/v1/patients/${nhs}/record`, {
    headers: { authorization: await bearer() },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as PatientRecord;
}

/** Every reference in a JSON tree. */
function referencesIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => referencesIn(n, found));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') found.push(value);
      else referencesIn(value, found);
    }
  }
  return found;
}

describe('sensitive data over real HTTP', () => {
  let t: TestRegion;
  let everything: Bundle;
  let withheldIds: string[];
  beforeAll(async () => {
    t = await startTestRegion();
    everything = (await getFhir<Bundle>(`${t.fhir}/Patient/${RESTRICTED}/$everything`)).body;
    withheldIds = (['gp', 'acute', 'mental-health'] as const).flatMap((nodeId) =>
      sensitiveItems(t.region.population, nodeId, RESTRICTED).map((r) => `${nodeId}-${r.id}`),
    );
  });
  afterAll(() => t.close());

  it('when the demo record of 9000000025 is read, then it has labelled items and one withheld only by its code', () => {
    const population = t.region.population;
    const gp = sensitiveItems(population, 'gp', RESTRICTED);
    expect(gp).toHaveLength(5);
    expect(sensitiveItems(population, 'acute', RESTRICTED)).toHaveLength(2);
    expect(sensitiveItems(population, 'mental-health', RESTRICTED)).toHaveLength(0);
    const codedOnly = gp.filter((r) => !r.meta?.security?.length);
    expect(codedOnly.map((r) => r.resourceType)).toEqual(['Condition']);
  });

  it('when $everything is asked for 9000000025, then no withheld item, code or text is anywhere in the Bundle', async () => {
    const text = JSON.stringify(everything);

    expect(matches(everything).length).toBeGreaterThan(5);
    expect(withheldIds).toHaveLength(7);
    for (const id of withheldIds) expect(text).not.toContain(id);
    for (const telltale of TELLTALES) expect(text).not.toContain(telltale);
    // Still the patient's record: the asthma the GP holds is there.
    expect(text).toContain('195967001');
    expect(r4Errors(everything)).toEqual([]);
  });

  it('when items are withheld, then each source says how many, and only how many', () => {
    // The GP's 5 items, and the 2 test reports that carry their results' labels (GP Connect investigations).
    expect(withheldNote(everything, 'gp')?.details?.text).toBe(
      'Northbrook Health Centre (Y90001) had 7 items withheld as sensitive information; they are not in this view.',
    );
    expect(withheldNote(everything, 'acute')?.details?.text).toBe(
      'Riverside University Hospitals NHS Trust (R1X) had 2 items withheld as sensitive information; they are not in this view.',
    );
    expect(withheldNote(everything, 'mental-health')).toBeUndefined();
    expect(withheldNote(everything, 'gp')).toMatchObject({ severity: 'information', code: 'suppressed' });
  });

  it('when the patient is restricted, then the Patient has no address, telecom or registered practice, and the view says why', () => {
    const patient = matches(everything)[0] as Patient;

    expect(patient).toMatchObject({ resourceType: 'Patient', id: RESTRICTED, birthDate: expect.any(String) });
    for (const element of ['address', 'telecom', 'generalPractitioner', 'managingOrganization', 'contact'])
      expect(patient).not.toHaveProperty(element);
    expect(patient.meta?.security).toEqual([expect.objectContaining({ system: CONFIDENTIALITY, code: 'R' })]);
    const notice = closingOutcome(everything).issue[1];
    expect(reasonOf(notice)).toBe('restricted-patient');
    // The usual GP (GP Connect's Practitioner for the Patient's generalPractitioner) went with it…
    expect(JSON.stringify(everything)).not.toContain('Okafor');
    // …and what is still included, something shown refers to.
    const shown = (everything.entry ?? [])
      .map((e) => e.resource!)
      .filter((r) => r.resourceType !== 'Provenance' && r.resourceType !== 'OperationOutcome');
    const referenced = new Set(referencesIn(shown));
    const included = (everything.entry ?? []).filter(
      (e) => e.search?.mode === 'include' && e.resource?.resourceType !== 'Provenance',
    );
    for (const e of included) expect(referenced).toContain(`${e.resource!.resourceType}/${e.resource!.id}`);
  });

  it('when the Patient is read or searched for, then it has no contact details or registered practice either', async () => {
    const read = await getFhir<Patient>(`${t.fhir}/Patient/${RESTRICTED}`);
    const search = await getFhir<Bundle>(
      `${t.fhir}/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${RESTRICTED}`,
    );

    expect([read.status, search.status]).toEqual([200, 200]);
    for (const patient of [read.body, matches(search.body)[0] as Patient]) {
      expect(patient).toMatchObject({ resourceType: 'Patient', id: RESTRICTED });
      for (const element of ['address', 'telecom', 'generalPractitioner', 'managingOrganization', 'contact'])
        expect(patient).not.toHaveProperty(element);
    }
    expect(JSON.stringify(search.body)).not.toContain('Okafor');
  });

  it('when each type is searched, then the same items are withheld as in $everything, counted per source', async () => {
    const shownByEverything = new Set(recordResources(everything));
    const shownBySearch = new Set<string>();
    const counted: Record<string, number> = {};
    for (const type of RECORD_RESOURCE_TYPES) {
      const { status, body } = await getFhir<Bundle>(`${t.fhir}/${type}?patient=${RESTRICTED}`);
      expect({ type, status }).toEqual({ type, status: 200 });
      const text = JSON.stringify(body);
      for (const id of withheldIds) expect(text).not.toContain(id);
      for (const telltale of TELLTALES) expect(text).not.toContain(telltale);
      for (const reference of recordResources(body)) shownBySearch.add(reference);
      for (const sourceId of ['gp', 'acute', 'mental-health'])
        counted[sourceId] = (counted[sourceId] ?? 0) + countIn(withheldNote(body, sourceId)?.details?.text);
    }

    expect([...shownBySearch].sort()).toEqual([...shownByEverything].sort());
    expect(counted).toEqual({ gp: 7, acute: 2, 'mental-health': 0 });
  });

  it('when the viewer record of 9000000025 is read, then it shows none of the withheld items, no contact details and says why', async () => {
    const record = await getRecord(t, RESTRICTED);
    const text = JSON.stringify(record);

    for (const id of withheldIds) expect(text).not.toContain(id);
    for (const telltale of TELLTALES) expect(text).not.toContain(telltale);
    expect(record.withheld.sensitive).toBe(9);
    expect(record.patient).not.toHaveProperty('address');
    expect(record.patient).not.toHaveProperty('registeredGp');
    expect(record.patient.restricted).toBe(closingOutcome(everything).issue[1]?.details?.text);
    expect(record.sections.find((s) => s.id === 'contacts')!.items).toEqual([]);
    const gp = record.sources.find((s) => s.id === 'gp')!;
    expect(gp.issues.find((i) => i.reason === 'sensitive-withheld')?.text).toMatch(/had 7 items withheld/);
    // Every item the record shows (apart from the Patient's contact details) is one $everything shows.
    const inEverything = new Set(recordResources(everything));
    for (const section of record.sections.filter((s) => s.id !== 'contacts'))
      for (const item of [...section.items, ...(section.alerts ?? [])])
        expect(inEverything).toContain(item.reference);
  });

  it('when 9000000009 is read, then nothing is withheld and its contact details and registered practice are shown', async () => {
    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    const patient = matches(body)[0] as Patient;

    expect(
      closingOutcome(body).issue.filter((i) =>
        ['sensitive-withheld', 'restricted-patient'].includes(reasonOf(i) ?? ''),
      ),
    ).toEqual([]);
    expect(patient.address?.length).toBeGreaterThan(0);
    expect(patient.telecom?.length).toBeGreaterThan(0);
    expect(patient.generalPractitioner?.length).toBeGreaterThan(0);
    const record = await getRecord(t, RICH);
    expect(record.withheld.sensitive).toBe(0);
    expect(record.patient.address).toBeDefined();
    expect(record.patient.registeredGp).toContain('(Y90001)');
    expect(record.patient).not.toHaveProperty('restricted');
  });
});

describe('sensitive data through a neighbouring broker', () => {
  const population = generatePopulation({ size: 5 });
  let gpStore: RunningFhirNode;
  let acuteStore: RunningFhirNode;
  let ours: BrokerUnderTest;
  let peer: BrokerUnderTest;
  const store = (id: string, node: { baseUrl: string }, odsCode: string): Record<string, unknown> => ({
    id,
    kind: 'fhir-r4',
    name: `Store ${id}`,
    odsCode,
    baseUrl: node.baseUrl,
    supplies: ['Condition', 'Observation', 'Encounter', 'DocumentReference'],
  });

  beforeAll(async () => {
    gpStore = await startFhirNode({ dataset: population.nodes.gp });
    acuteStore = await startFhirNode({ dataset: population.nodes.acute });
    const [ourPort, peerPort] = [await reservePort(), await reservePort()];
    peer = await startBrokerUnderTest({
      id: 'north-thames',
      listenOn: peerPort,
      sources: [store('nt-acute', acuteStore, 'R2A')],
      peers: [
        registeredPeer({
          clientId: 'nw-london',
          name: 'NW London',
          jwksUrl: `${ourPort.url}/.well-known/jwks.json`,
        }),
      ],
    });
    ours = await startBrokerUnderTest({
      id: 'nw-london',
      listenOn: ourPort,
      sources: [
        store('gp', gpStore, 'Y90001'),
        peerSource({ url: peerPort.url }, { id: 'north-thames', clientId: 'nw-london' }),
      ],
    });
  });
  afterAll(async () => {
    await ours.close();
    await peer.close();
    await Promise.all([gpStore.close(), acuteStore.close()]);
  });

  it('when the peer has withheld items already, then our view withholds nothing more from it, reports its count and keeps the patient restricted', async () => {
    const { status, body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RESTRICTED}/$everything`);
    const text = JSON.stringify(body);

    expect(status).toBe(200);
    expect(matches(body).some((r) => r.id?.startsWith('north-thames-'))).toBe(true);
    for (const telltale of TELLTALES) expect(text).not.toContain(telltale);
    const fromPeer = sourceIssues(body, 'north-thames').filter((i) => reasonOf(i) === 'sensitive-withheld');
    // Only the peer's own note, nested (its store's two items): had this broker withheld anything more of
    // what the peer sent, it would have added a note of its own for the peer.
    expect(fromPeer.map((i) => i.details?.text)).toEqual([
      'Region north-thames (Q9X) reports: Store nt-acute (R2A) had 2 items withheld as sensitive information; they are not in this view.',
    ]);
    expect(countIn(withheldNote(body, 'gp')?.details?.text)).toBe(5);
    const patient = matches(body)[0] as Patient;
    expect(patient).not.toHaveProperty('address');
    expect(reasonOf(closingOutcome(body).issue[1])).toBe('restricted-patient');
  });
});
