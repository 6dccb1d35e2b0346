import type { Condition, DocumentReference, Observation, Resource } from '@medplum/fhirtypes';
import { AmbulanceEpcrAdapter } from '../../adapters/ambulance-epcr/ambulance-epcr-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { r4Errors } from '../support/fhir-validator';
import { startAmbulanceEpcrNode, type RunningSimNode } from '../../sim/ambulance-epcr-node';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';

const TYPES = [
  'Encounter',
  'Observation',
  'Condition',
  'DocumentReference',
  'MedicationAdministration',
] as const;

/** What a vital sign must keep through the round trip: its code, time, value and unit (and BP components). */
function vitalSignature(observation: Observation): string {
  const code = observation.code.coding?.[0]?.code ?? '';
  const value = observation.valueQuantity
    ? `${observation.valueQuantity.value} ${observation.valueQuantity.unit}`
    : observation.valueInteger !== undefined
      ? String(observation.valueInteger)
      : (observation.valueCodeableConcept?.text ?? '');
  const components = (observation.component ?? [])
    .filter((c) => c.valueQuantity)
    .map((c) => `${c.code.coding?.[0]?.code}=${c.valueQuantity?.value} ${c.valueQuantity?.unit}`)
    .join(',');
  return `${code}@${observation.effectiveDateTime}:${value}${components ? `[${components}]` : ''}`;
}

function ofType<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type);
}

function noteText(document: DocumentReference): string {
  return Buffer.from(document.content[0]?.attachment.data ?? '', 'base64').toString('utf8');
}

describe('ambulance record round trip: population R4 → sim ePCR → adapter R4', () => {
  const population = generatePopulation({ size: 10 });
  const dataset = population.nodes.ambulance;
  const original = dataset.records.get(dataset.localIdByNhs.get(DEMO_NHS_NUMBERS.rich)!)!;
  let node: RunningSimNode;
  let adapter: AmbulanceEpcrAdapter;
  let mapped: readonly Resource[];

  beforeAll(async () => {
    node = await startAmbulanceEpcrNode({ dataset, apiKey: 'round-trip' });
    adapter = new AmbulanceEpcrAdapter({
      source: {
        id: 'ambulance',
        kind: 'ambulance-epcr',
        name: 'Capital Ambulance Service NHS Trust',
        odsCode: 'R1Z',
        baseUrl: node.baseUrl,
        supplies: [...TYPES],
      },
      client: new SourceHttpClient({ maxSockets: 4, maxResponseBytes: 1024 * 1024, userAgent: 'round-trip' }),
      apiKey: 'round-trip',
      maxPages: 10,
      pageSize: 1,
      onFault: (error) => {
        throw error;
      },
    });
    const outcome = await adapter.fetch(
      {
        queryId: 'round-trip',
        nhsNumber: DEMO_NHS_NUMBERS.rich,
        resourceTypes: TYPES,
        requester: { userId: 'u1', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
        deadline: Date.now() + 5000,
        chain: [],
      },
      { signal: AbortSignal.timeout(5000), trace: { requestId: 'round-trip' } },
    );
    if (outcome.status !== 'ok') throw new Error(`round trip failed: ${outcome.status}`);
    mapped = outcome.record.resources;
  });
  afterAll(async () => {
    await adapter.close();
    await node.close();
  });

  it('when the record comes back, then every vital sign keeps its value, unit and time', () => {
    const before = ofType<Observation>(original.resources, 'Observation').map(vitalSignature).sort();
    const after = new Set(ofType<Observation>(mapped, 'Observation').map(vitalSignature));

    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((signature) => !after.has(signature))).toEqual([]);
  });

  it('when the record comes back, then each clinical impression keeps its SNOMED code and text', () => {
    const impression = (c: Condition): string => `${c.code?.coding?.[0]?.code}|${c.code?.text}`;

    const before = ofType<Condition>(original.resources, 'Condition').map(impression).sort();
    const after = ofType<Condition>(mapped, 'Condition').map(impression).sort();

    expect(after).toEqual(before);
  });

  it('when the record comes back, then each handover note has exactly the same text', () => {
    const before = ofType<DocumentReference>(original.resources, 'DocumentReference').map(noteText).sort();
    const after = ofType<DocumentReference>(mapped, 'DocumentReference').map(noteText).sort();

    expect(after).toEqual(before);
  });

  it('when the record comes back, then there is one encounter per incident and every resource is valid R4', () => {
    expect(ofType(mapped, 'Encounter')).toHaveLength(ofType(original.resources, 'Encounter').length);
    expect(mapped.flatMap((r) => r4Errors(r).map((e) => `${r.resourceType}/${r.id}: ${e}`))).toEqual([]);
  });
});
