import type {
  AllergyIntolerance,
  Condition,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS, type NodeRecord } from '../../sim/population/types';
import { structuredRecord } from '../../sim/gp-connect/structured-record';
import type { SimGpcSection } from '../../sim/gp-connect/structured-record-request';
import { r4Errors } from '../../test/support/fhir-validator';
import { GPC_SECTIONS } from './gp-connect-sections';
import { structuredRecordResources } from './structured-record-bundle';
import { readStructuredRecord } from './structured-record-reader';

const population = generatePopulation({ size: 10 });
const gp = population.nodes.gp;

function gpRecord(nhsNumber: string): NodeRecord {
  return gp.records.get(gp.localIdByNhs.get(nhsNumber) ?? '')!;
}

/** Population R4 → the simulated practice's STU3 structured record → the adapter's R4, every area asked for. */
function roundTrip(record: NodeRecord): ReturnType<typeof readStructuredRecord> {
  const nhsNumber = record.patient.identifier?.[0]?.value ?? '';
  const bundle = structuredRecord(
    record,
    {
      nhsNumber,
      sections: new Set<SimGpcSection>(GPC_SECTIONS),
      includeResolvedAllergies: true,
      includePrescriptionIssues: false,
    },
    { now: new Date('2026-11-01T09:00:00Z') },
  );
  return readStructuredRecord(structuredRecordResources(JSON.parse(JSON.stringify(bundle))), {
    nhsNumber,
    wanted: RECORD_RESOURCE_TYPES,
  });
}

function byId<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): Map<string, T> {
  return new Map(
    resources.filter((r): r is T => r.resourceType === type).map((r) => [r.id ?? '', r] as [string, T]),
  );
}

const code = (c: { coding?: { system?: string; code?: string }[] } | undefined): unknown =>
  c?.coding?.map((coding) => [coding.system, coding.code]);

describe.each([
  ['the rich patient', DEMO_NHS_NUMBERS.rich],
  ['the restricted patient', DEMO_NHS_NUMBERS.restricted],
])('GP Connect round trip of %s', (_name, nhsNumber) => {
  const original = gpRecord(nhsNumber);
  const { record, warnings } = roundTrip(original);

  it('when the record comes back through GP Connect, then it is the same patient and valid R4', () => {
    expect(record.patient.id).toBe(original.localId);
    expect(record.patient.identifier?.[0]?.value).toBe(nhsNumber);
    expect(record.patient.birthDate).toBe(original.patient.birthDate);
    expect(record.patient.name).toEqual(original.patient.name);
    expect(record.patient.meta?.security).toEqual(original.patient.meta?.security);
    for (const resource of [record.patient, ...record.resources, ...(record.supporting ?? [])])
      expect([resource.resourceType, resource.id, r4Errors(resource)]).toEqual([
        resource.resourceType,
        resource.id,
        [],
      ]);
    expect(warnings.filter((w) => w.reason === 'gpc-stu3-not-converted')).toEqual([]);
  });

  it('when problems come back, then each keeps its code, statuses, dates and labels', () => {
    const back = byId<Condition>(record.resources, 'Condition');
    const sent = original.resources.filter((r): r is Condition => r.resourceType === 'Condition');
    expect(sent.length).toBeGreaterThan(0);
    expect(back.size).toBe(sent.length);
    for (const condition of sent) {
      const returned = back.get(condition.id!)!;
      expect(code(returned.code)).toEqual(code(condition.code));
      expect(code(returned.clinicalStatus)).toEqual(code(condition.clinicalStatus));
      expect(code(returned.verificationStatus)).toEqual(code(condition.verificationStatus));
      expect(returned.onsetDateTime).toBe(condition.onsetDateTime);
      expect(returned.recordedDate).toBe(condition.recordedDate);
      expect(returned.note).toEqual(condition.note);
      expect(returned.meta?.security).toEqual(condition.meta?.security);
      expect(returned.subject?.reference).toBe(`Patient/${original.localId}`);
    }
  });

  it('when allergies come back, then each keeps its code, statuses, criticality and reactions', () => {
    const back = byId<AllergyIntolerance>(record.resources, 'AllergyIntolerance');
    const sent = original.resources.filter(
      (r): r is AllergyIntolerance => r.resourceType === 'AllergyIntolerance',
    );
    expect(back.size).toBe(sent.length);
    for (const allergy of sent) {
      const returned = back.get(allergy.id!)!;
      expect(code(returned.code)).toEqual(code(allergy.code));
      expect(code(returned.clinicalStatus)).toEqual(code(allergy.clinicalStatus));
      expect(code(returned.verificationStatus)).toEqual(code(allergy.verificationStatus));
      expect(returned.criticality).toBe(allergy.criticality);
      expect(returned.onsetDateTime).toBe(allergy.onsetDateTime);
      expect(returned.recordedDate).toBe(allergy.recordedDate);
      expect(returned.reaction).toEqual(allergy.reaction);
      expect(returned.note).toEqual(allergy.note);
    }
  });

  it('when medications come back, then each keeps its product, status, dates and dose, with its authorisation', () => {
    const back = byId<MedicationStatement>(record.resources, 'MedicationStatement');
    const plans = byId<MedicationRequest>(record.resources, 'MedicationRequest');
    const medications = byId<Medication>(record.supporting ?? [], 'Medication');
    const sent = original.resources.filter(
      (r): r is MedicationStatement => r.resourceType === 'MedicationStatement',
    );
    expect(sent.length).toBeGreaterThan(0);
    expect(back.size).toBe(sent.length);
    for (const statement of sent) {
      const returned = back.get(statement.id!)!;
      const medicationId = returned.medicationReference?.reference?.replace('Medication/', '') ?? '';
      expect(medications.get(medicationId)?.code).toEqual(statement.medicationCodeableConcept);
      expect(returned.status).toBe(statement.status);
      expect(code(returned.category)).toEqual(code(statement.category));
      expect(returned.effectivePeriod).toEqual(statement.effectivePeriod);
      expect(returned.dateAsserted).toBe(statement.dateAsserted);
      expect(returned.dosage).toEqual(statement.dosage);
      expect(returned.note).toEqual(statement.note);
      const plan = plans.get(returned.basedOn?.[0]?.reference?.replace('MedicationRequest/', '') ?? '');
      expect(plan?.intent).toBe('plan');
      expect(plan?.dosageInstruction).toEqual(statement.dosage);
    }
  });

  it('when observations come back, then each keeps its code, value, unit, components, range and time', () => {
    const back = byId<Observation>(record.resources, 'Observation');
    const sent = original.resources.filter((r): r is Observation => r.resourceType === 'Observation');
    expect(sent.length).toBeGreaterThan(0);
    // Besides each result sent: the test group headers and filing comments the practice files them under.
    const filed = [...back.keys()].filter((id) => !sent.some((o) => o.id === id));
    expect(filed.every((id) => id.startsWith('group-') || id.startsWith('filing-'))).toBe(true);
    expect(back.size).toBe(sent.length + filed.length);
    for (const observation of sent) {
      const returned = back.get(observation.id!)!;
      expect(code(returned.code)).toEqual(code(observation.code));
      expect(returned.status).toBe(observation.status);
      expect(returned.category).toEqual(observation.category);
      expect(returned.valueQuantity).toEqual(observation.valueQuantity);
      expect(returned.component).toEqual(observation.component);
      expect(returned.interpretation).toEqual(observation.interpretation);
      expect(returned.referenceRange).toEqual(observation.referenceRange);
      expect(returned.effectiveDateTime).toBe(observation.effectiveDateTime);
      expect(returned.issued).toBe(observation.issued);
      expect(returned.meta?.security).toEqual(observation.meta?.security);
    }
  });
});

describe('GP Connect list warnings end to end', () => {
  it('when the restricted patient’s allergies list says confidential items were withheld, then the outcome warns', () => {
    const { warnings } = roundTrip(gpRecord(DEMO_NHS_NUMBERS.restricted));

    expect(warnings).toContainEqual({
      severity: 'warning',
      code: 'suppressed',
      reason: 'gpc-confidential-items',
      text: 'withheld some confidential items from the Allergies section (confidentiality or patient preference)',
    });
  });

  it('when investigations come back, then their DiagnosticReports are part of the record and nothing is named as not shown', () => {
    const { record, warnings } = roundTrip(gpRecord(DEMO_NHS_NUMBERS.rich));

    expect(record.resources.filter((r) => r.resourceType === 'DiagnosticReport').length).toBeGreaterThan(0);
    expect(warnings.filter((w) => w.reason === 'gpc-not-shown')).toEqual([]);
  });

  it('when the rich patient’s record comes back, then no list warning is raised', () => {
    const { warnings } = roundTrip(gpRecord(DEMO_NHS_NUMBERS.rich));

    expect(warnings.filter((w) => w.reason.startsWith('gpc-') && w.severity === 'warning')).toEqual([]);
  });
});
