import type {
  AllergyIntolerance,
  Condition,
  MedicationStatement,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { isValidNhsNumber } from '../../core/fhir/nhs-number';
import { DEMO_LOCAL_IDS, DEMO_PEOPLE } from './fixed/demo-people';
import { RICH_DUPLICATES, RICH_NEAR_MISSES } from './fixed/rich-duplicates';
import { generatePopulation } from './generate-population';
import { nodesKnowing, recordFor, resourcesOfType } from './population-queries';
import { DEMO_NHS_NUMBERS, SIM_NODE_IDS, type NodeRecord, type Population, type SimNodeId } from './types';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const population = generatePopulation();

/** Maps become sorted entry arrays, so JSON comparison sees everything. */
function plain(value: Population): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
}

function record(nodeId: SimNodeId, nhsNumber: string): NodeRecord {
  const found = recordFor(population, nodeId, nhsNumber);
  if (!found) throw new Error(`no ${nodeId} record for ${nhsNumber}`);
  return found;
}

function code(resource: { code?: { coding?: { code?: string }[] } }): string | undefined {
  return resource.code?.coding?.[0]?.code;
}

function medicationCode(statement: MedicationStatement): string | undefined {
  return statement.medicationCodeableConcept?.coding?.[0]?.code;
}

describe('generatePopulation', () => {
  it('when generated twice with the same seed, then the populations are deep-equal and serialise identically', () => {
    const again = generatePopulation({ seed: 42 });

    expect(again).toEqual(population);
    expect(plain(again)).toBe(plain(population));
  });

  it('when generated with another seed, then the generated people differ and the fixed patients do not', () => {
    const other = generatePopulation({ seed: 7 });

    expect(plain(other)).not.toBe(plain(population));
    expect(other.people.slice(4).map((p) => p.nhsNumber)).not.toEqual(
      population.people.slice(4).map((p) => p.nhsNumber),
    );
    for (const nodeId of SIM_NODE_IDS) {
      expect(recordFor(other, nodeId, DEMO_NHS_NUMBERS.rich)).toEqual(record(nodeId, DEMO_NHS_NUMBERS.rich));
    }
  });

  it('when generated with defaults, then there are the four fixed and 200 generated people with valid, unique NHS numbers', () => {
    const numbers = population.people.map((person) => person.nhsNumber);

    expect(population.seed).toBe(42);
    expect(numbers).toHaveLength(204);
    expect(numbers.slice(0, 4)).toEqual(Object.values(DEMO_NHS_NUMBERS));
    expect(new Set(numbers).size).toBe(204);
    expect(numbers.filter((n) => !isValidNhsNumber(n))).toEqual([]);
  });

  it('when each fixed patient is looked up, then exactly the expected nodes know them, by the fixed local ids', () => {
    expect(nodesKnowing(population, DEMO_NHS_NUMBERS.rich)).toEqual([...SIM_NODE_IDS]);
    expect(nodesKnowing(population, DEMO_NHS_NUMBERS.objection)).toEqual(['gp', 'acute']);
    expect(nodesKnowing(population, DEMO_NHS_NUMBERS.restricted)).toEqual(['gp', 'acute', 'mental-health']);
    expect(nodesKnowing(population, DEMO_NHS_NUMBERS.gpAndNeighbour)).toEqual(['gp', 'neighbouring-ics']);
    for (const key of Object.keys(DEMO_LOCAL_IDS) as (keyof typeof DEMO_LOCAL_IDS)[]) {
      for (const [nodeId, localId] of Object.entries(DEMO_LOCAL_IDS[key]) as [SimNodeId, string][]) {
        expect(population.nodes[nodeId].localIdByNhs.get(DEMO_NHS_NUMBERS[key])).toBe(localId);
      }
    }
  });

  it('when a person is in several nodes, then every node shows the same demographics and its own local id', () => {
    for (const person of population.people) {
      const patients = nodesKnowing(population, person.nhsNumber).map(
        (nodeId) => (recordFor(population, nodeId, person.nhsNumber) as NodeRecord).patient,
      );
      const demographics = patients.map((p) => ({
        name: p.name,
        gender: p.gender,
        birthDate: p.birthDate,
        address: p.address,
      }));
      const localIds = patients.map((p) => p.id);

      expect(new Set(demographics.map((d) => JSON.stringify(d))).size).toBe(1);
      expect(new Set(localIds).size).toBe(localIds.length);
    }
    expect(record('gp', DEMO_NHS_NUMBERS.rich).patient).toMatchObject({
      name: [{ use: 'official', family: 'Clarke', given: ['Amelia'] }],
      gender: 'female',
      birthDate: '1957-03-14',
    });
  });

  it('when a node holds a patient, then the Patient carries the NHS number, the node identifier and (GP) the practice by ODS code', () => {
    for (const nodeId of SIM_NODE_IDS) {
      for (const { localId, patient } of population.nodes[nodeId].records.values()) {
        const identifiers = patient.identifier ?? [];

        expect(patient.id).toBe(localId);
        expect(localId).toMatch(FHIR_ID);
        expect(identifiers.filter((i) => i.system === NHS)).toHaveLength(1);
        expect(identifiers).toContainEqual(
          expect.objectContaining({
            system: `https://sim.hie-broker.org/Id/${nodeId}-patient`,
            value: localId,
          }),
        );
        if (nodeId === 'gp') {
          expect(patient.generalPractitioner).toEqual([
            {
              identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'Y90001' },
              display: 'Northbrook Health Centre',
            },
          ]);
        }
      }
    }
  });

  it('when nodes are counted, then generated people are spread in the stated shares', () => {
    const generated = (nodeId: SimNodeId): number =>
      population.nodes[nodeId].records.size - (nodeId === 'gp' ? 4 : 0);

    expect(generated('gp')).toBe(200);
    expect(population.nodes.acute.records.size).toBe(120 + 3);
    expect(population.nodes['mental-health'].records.size).toBe(40 + 2);
    expect(population.nodes.ambulance.records.size).toBe(60 + 1);
    expect(population.nodes['neighbouring-ics'].records.size).toBe(30 + 2);
  });

  it('when 9000000009 is read, then every node holds a rich record (at least 15 clinical resources)', () => {
    for (const nodeId of SIM_NODE_IDS) {
      expect(record(nodeId, DEMO_NHS_NUMBERS.rich).resources.length).toBeGreaterThanOrEqual(15);
    }
    const vitals = resourcesOfType(record('ambulance', DEMO_NHS_NUMBERS.rich), 'Observation').map(code);
    expect(vitals).toEqual(
      expect.arrayContaining([
        '9279-1',
        '59408-5',
        '8867-4',
        '85354-9',
        '8310-5',
        '9269-2',
        '1104051000000101',
      ]),
    );
  });

  it('when 9000000009 is read, then the deliberate cross-source duplicates are exactly the same facts', () => {
    const metformin = (nodeId: SimNodeId): MedicationStatement[] =>
      resourcesOfType(record(nodeId, DEMO_NHS_NUMBERS.rich), 'MedicationStatement').filter(
        (m) => medicationCode(m) === '325278007',
      );
    const penicillin = (nodeId: SimNodeId): AllergyIntolerance[] =>
      resourcesOfType(record(nodeId, DEMO_NHS_NUMBERS.rich), 'AllergyIntolerance').filter(
        (a) => code(a) === '764146007',
      );
    const diabetes = (nodeId: SimNodeId): Condition[] =>
      resourcesOfType(record(nodeId, DEMO_NHS_NUMBERS.rich), 'Condition').filter(
        (c) => code(c) === '44054006',
      );
    const hba1c = (nodeId: SimNodeId): Observation[] =>
      resourcesOfType(record(nodeId, DEMO_NHS_NUMBERS.rich), 'Observation').filter(
        (o) => code(o) === '59261-8' && o.effectiveDateTime === RICH_DUPLICATES.hba1c.effective,
      );

    const [gpMetformin, acuteMetformin] = [metformin('gp'), metformin('acute')];
    expect(gpMetformin).toHaveLength(1);
    expect(acuteMetformin).toHaveLength(1);
    expect(acuteMetformin[0]?.dosage).toEqual(gpMetformin[0]?.dosage);
    expect(acuteMetformin[0]?.effectivePeriod?.start).toBe('2012-07-02');
    expect(gpMetformin[0]?.effectivePeriod?.start).toBe('2012-07-02');
    for (const nodeId of ['gp', 'acute', 'neighbouring-ics'] as const)
      expect(penicillin(nodeId)).toHaveLength(1);
    expect(diabetes('gp').map((c) => c.onsetDateTime)).toEqual(['2012-06-18']);
    expect(diabetes('neighbouring-ics').map((c) => c.onsetDateTime)).toEqual(['2012-06-18']);
    expect(hba1c('gp').map((o) => o.valueQuantity)).toEqual(hba1c('acute').map((o) => o.valueQuantity));
    expect(hba1c('gp')[0]?.valueQuantity?.value).toBe(58);
  });

  it('when 9000000009 is read, then the near-misses differ in exactly the one fact that matters', () => {
    const amlodipine = (nodeId: SimNodeId): MedicationStatement | undefined =>
      resourcesOfType(record(nodeId, DEMO_NHS_NUMBERS.rich), 'MedicationStatement').find(
        (m) => medicationCode(m) === '319773006',
      );
    const [gp, acute] = [amlodipine('gp'), amlodipine('acute')];

    expect(acute?.effectivePeriod?.start).toBe(gp?.effectivePeriod?.start);
    expect(gp?.dosage?.[0]?.doseAndRate?.[0]?.doseQuantity?.value).toBe(1);
    expect(acute?.dosage?.[0]?.doseAndRate?.[0]?.doseQuantity?.value).toBe(2);
    const acuteDiabetes = resourcesOfType(record('acute', DEMO_NHS_NUMBERS.rich), 'Condition').filter(
      (c) => code(c) === '44054006',
    );
    expect(acuteDiabetes.map((c) => c.onsetDateTime)).toEqual([RICH_NEAR_MISSES.diabetesOnsetAtAcute]);
  });

  it('when the restricted patient is read, then every Patient is labelled R and the sensitive items carry sensitivity labels', () => {
    const labels = (resource: Resource): (string | undefined)[] =>
      (resource.meta?.security ?? []).map((c) => c.code);
    for (const nodeId of ['gp', 'acute', 'mental-health'] as const) {
      expect(labels(record(nodeId, DEMO_NHS_NUMBERS.restricted).patient)).toEqual(['R']);
    }
    const gp = record('gp', DEMO_NHS_NUMBERS.restricted);
    const hiv = resourcesOfType(gp, 'Condition').find((c) => code(c) === '86406008');
    const asthma = resourcesOfType(gp, 'Condition').find((c) => code(c) === '195967001');
    // Sensitive by its code alone (a sexually transmitted infection): the practice never labelled it.
    const chlamydia = resourcesOfType(gp, 'Condition').find((c) => code(c) === '105629000');
    const letter = resourcesOfType(record('acute', DEMO_NHS_NUMBERS.restricted), 'DocumentReference').find(
      (d) => d.content[0]?.attachment.title?.startsWith('Sexual health'),
    );

    expect(hiv && labels(hiv)).toContain('HIV');
    expect(asthma && labels(asthma)).toEqual([]);
    expect(chlamydia && labels(chlamydia)).toEqual([]);
    expect(letter && labels(letter)).toEqual(expect.arrayContaining(['STD', 'SEX']));
    expect(labels(record('gp', DEMO_NHS_NUMBERS.rich).patient)).toEqual([]);
  });

  it('when richRecordSize is set, then 9000000009 has at least that many distinct resources in every node and nobody else changes', () => {
    const padded = generatePopulation({ size: 20, richRecordSize: 500 });
    const unpadded = generatePopulation({ size: 20 });

    for (const nodeId of SIM_NODE_IDS) {
      const resources = (recordFor(padded, nodeId, DEMO_NHS_NUMBERS.rich) as NodeRecord).resources;
      const contents = new Set(
        resources.map((r) => JSON.stringify({ ...r, id: undefined, meta: undefined })),
      );

      expect(resources.length).toBeGreaterThanOrEqual(500);
      expect(contents.size).toBe(resources.length);
      for (const person of padded.people.filter((p) => p.nhsNumber !== DEMO_NHS_NUMBERS.rich)) {
        expect(recordFor(padded, nodeId, person.nhsNumber)).toEqual(
          recordFor(unpadded, nodeId, person.nhsNumber),
        );
      }
    }
  });

  it('when options are out of range, then it throws a RangeError', () => {
    expect(() => generatePopulation({ size: -1 })).toThrow(RangeError);
    expect(() => generatePopulation({ seed: 1.5 })).toThrow(RangeError);
    expect(() => generatePopulation({ richRecordSize: 10_000_000 })).toThrow(RangeError);
    expect(() => generatePopulation({ referenceDate: 'yesterday' })).toThrow(RangeError);
  });

  it('when another reference date is given, then nothing is updated after it and the fixed records move by whole days', () => {
    const earlier = generatePopulation({ size: 10, referenceDate: '2025-11-01T09:00:00Z' });
    const cutoff = Date.parse('2025-11-01T09:00:00Z');
    const hba1c = resourcesOfType(
      recordFor(earlier, 'gp', DEMO_NHS_NUMBERS.rich) as NodeRecord,
      'Observation',
    ).find((o) => code(o) === '59261-8');

    for (const nodeId of SIM_NODE_IDS) {
      const updated = [...earlier.nodes[nodeId].records.values()].flatMap((r) => [r.patient, ...r.resources]);
      expect(updated.filter((r) => Date.parse(r.meta?.lastUpdated ?? '') > cutoff)).toEqual([]);
    }
    expect(hba1c?.effectiveDateTime).toBe('2025-09-14T09:32:00Z');
  });
});

describe('fixed demo people', () => {
  it('when read, then they have the documented demographics', () => {
    expect(DEMO_PEOPLE.rich).toMatchObject({
      given: 'Amelia',
      family: 'Clarke',
      birthDate: '1957-03-14',
      gender: 'female',
    });
    expect(Object.values(DEMO_PEOPLE).map((p) => p.nhsNumber)).toEqual(Object.values(DEMO_NHS_NUMBERS));
  });
});
