import type { Encounter, Resource } from '@medplum/fhirtypes';
import { startAmbulanceEpcrNode, type RunningSimNode } from '../../sim/ambulance-epcr-node';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';
import type { PatientQuery, SourceOutcome } from '../../core/source-contract';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { AmbulanceEpcrAdapter } from '../../adapters/ambulance-epcr/ambulance-epcr-adapter';

const API_KEY = 'epcr-test-key-7f3a';
const TYPES = [
  'Encounter',
  'Observation',
  'Condition',
  'DocumentReference',
  'MedicationAdministration',
] as const;

function query(overrides: Partial<PatientQuery> = {}): PatientQuery {
  return {
    queryId: 'adapter-test',
    nhsNumber: DEMO_NHS_NUMBERS.rich,
    resourceTypes: TYPES,
    requester: { userId: 'u1', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
    deadline: Date.now() + 5000,
    chain: [],
    ...overrides,
  };
}

function encounterIds(outcome: SourceOutcome): string[] {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got ${outcome.status}`);
  return outcome.record.resources
    .filter((r): r is Encounter => r.resourceType === 'Encounter')
    .map((r) => r.id ?? '');
}

function patientRefs(resources: readonly Resource[]): Set<string | undefined> {
  return new Set(resources.map((r) => (r as { subject?: { reference?: string } }).subject?.reference));
}

describe('AmbulanceEpcrAdapter over HTTP', () => {
  const population = generatePopulation({ size: 10 });
  const dataset = population.nodes.ambulance;
  const richLocalId = dataset.localIdByNhs.get(DEMO_NHS_NUMBERS.rich)!;
  let node: RunningSimNode;
  const adapters: AmbulanceEpcrAdapter[] = [];

  function adapter(
    options: { apiKey?: string; maxPages?: number; pageSize?: number } = {},
  ): AmbulanceEpcrAdapter {
    const created = new AmbulanceEpcrAdapter({
      source: {
        id: 'ambulance',
        kind: 'ambulance-epcr',
        name: 'Capital Ambulance Service NHS Trust',
        odsCode: 'R1Z',
        baseUrl: node.baseUrl,
        supplies: [...TYPES],
      },
      client: new SourceHttpClient({
        maxSockets: 4,
        maxResponseBytes: 1024 * 1024,
        userAgent: 'adapter-test',
      }),
      ...('apiKey' in options ? (options.apiKey ? { apiKey: options.apiKey } : {}) : { apiKey: API_KEY }),
      maxPages: options.maxPages ?? 10,
      pageSize: options.pageSize ?? 50,
      onFault: (error) => {
        throw error;
      },
    });
    adapters.push(created);
    return created;
  }

  const ctx = (): { signal: AbortSignal; trace: { requestId: string } } => ({
    signal: AbortSignal.timeout(5000),
    trace: { requestId: 'req-epcr-1' },
  });

  beforeAll(async () => {
    node = await startAmbulanceEpcrNode({ dataset, apiKey: API_KEY });
  });
  afterEach(() => node.setFault(null));
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close()));
    await node.close();
  });

  it('when it queries, then it sends the configured API key and the request id', async () => {
    const outcome = await adapter().fetch(query(), ctx());

    expect(outcome.status).toBe('ok');
    expect(node.lastHeaders()['x-api-key']).toBe(API_KEY);
    expect(node.lastRequestId()).toBe('req-epcr-1');
  });

  it('when the key is wrong, then the source rejects it with HTTP 401', async () => {
    const outcome = await adapter({ apiKey: 'not-the-key' }).fetch(query(), ctx());

    expect(outcome.status).toBe('rejected');
    if (outcome.status === 'rejected') expect(outcome.issue.reason).toBe('http-401');
  });

  it('when incidents come one per page, then it follows the cursors and gets them all', async () => {
    const searchesBefore = node.requests.search;

    const outcome = await adapter({ pageSize: 1 }).fetch(query(), ctx());

    expect(encounterIds(outcome).sort()).toEqual(['CAS-20251220-000001-enc', 'CAS-20260912-000002-enc']);
    expect(node.requests.search - searchesBefore).toBe(2);
    if (outcome.status === 'ok') expect(outcome.warnings).toEqual([]);
  });

  it('when there are more pages than it may follow, then it keeps what it fetched and warns it is truncated', async () => {
    const outcome = await adapter({ pageSize: 1, maxPages: 1 }).fetch(query(), ctx());

    expect(encounterIds(outcome)).toHaveLength(1);
    if (outcome.status === 'ok') expect(outcome.warnings.map((w) => w.reason)).toEqual(['truncated']);
  });

  it("when the source slips another patient's incident into the list, then it is dropped with a warning", async () => {
    node.setFault({ fault: { kind: 'other-patient' }, on: 'search' });

    const outcome = await adapter().fetch(query(), ctx());

    expect(encounterIds(outcome)).toHaveLength(2);
    if (outcome.status !== 'ok') return;
    expect(patientRefs(outcome.record.resources)).toEqual(new Set([`Patient/${richLocalId}`]));
    expect(outcome.warnings.map((w) => w.reason)).toEqual(['other-patient']);
    expect(outcome.warnings[0]!.text).not.toMatch(/\d{10}/);
  });

  it('when changes since a date are asked for, then only incidents updated since then come back', async () => {
    const outcome = await adapter().fetch(query({ since: '2026-01-01T00:00:00Z' }), ctx());

    expect(encounterIds(outcome)).toEqual(['CAS-20260912-000002-enc']);
  });

  it('when only Conditions are asked for, then only Conditions come back, with the patient', async () => {
    const outcome = await adapter().fetch(query({ resourceTypes: ['Condition'] }), ctx());

    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(new Set(outcome.record.resources.map((r) => r.resourceType))).toEqual(new Set(['Condition']));
    expect(outcome.record.patient.id).toBe(richLocalId);
  });

  it('when the source answers 429, then it is an error the broker may retry later', async () => {
    node.setFault({ fault: { kind: 'status', status: 429 } });

    const outcome = await adapter().fetch(query(), ctx());

    expect(outcome.status).toBe('error');
    if (outcome.status === 'error') expect(outcome.issue.reason).toBe('http-429');
  });
});
