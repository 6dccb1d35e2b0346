import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AllergyIntolerance,
  Condition,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { r4Errors } from '../../test/support/fhir-validator';
import { UpstreamFailure } from '../upstream-failure';
import { structuredRecordResources } from './structured-record-bundle';
import { readStructuredRecord } from './structured-record-reader';
import type { Stu3Resource } from './stu3-to-r4/stu3-resource';

const NHS = '9690937286';

function fixture(): { resourceType: string; type: string; entry: { resource: Stu3Resource }[] } {
  return JSON.parse(
    readFileSync(join(__dirname, '../../test/fixtures/gp-connect/structured-record-bundle.json'), 'utf8'),
  ) as { resourceType: string; type: string; entry: { resource: Stu3Resource }[] };
}

function find<T extends Resource>(resources: readonly Resource[], type: T['resourceType'], id: string): T {
  const found = resources.find((r) => r.resourceType === type && r.id === id);
  if (!found) throw new Error('not found');
  return found as T;
}

function failureOf(run: () => unknown): UpstreamFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof UpstreamFailure) return error;
    throw error;
  }
  throw new Error('did not fail');
}

describe('reading a GP Connect structured record', () => {
  const all = readStructuredRecord(structuredRecordResources(fixture()), {
    nhsNumber: NHS,
    wanted: RECORD_RESOURCE_TYPES,
  });

  it('when every area is wanted, then every clinical item and its directory resources come back as valid R4', () => {
    const { record } = all;
    const ids = (resources: readonly Resource[]): string[] =>
      resources.map((r) => `${r.resourceType}/${r.id ?? ''}`).sort();

    expect(ids(record.resources)).toEqual([
      'AllergyIntolerance/allergy-1',
      'AllergyIntolerance/allergy-2',
      'Condition/problem-1',
      'DiagnosticReport/dr-1',
      'Encounter/enc-1',
      'Immunization/imm-1',
      'MedicationRequest/mr-1',
      'MedicationRequest/mr-2',
      'MedicationStatement/ms-1',
      'Observation/narrative-1',
      'Observation/result-1',
      'Observation/uncat-1',
      'ServiceRequest/ref-1',
    ]);
    expect(ids(record.supporting ?? [])).toEqual([
      'Location/17',
      'Medication/med-1',
      'Organization/7',
      'Practitioner/1',
      'Specimen/sp-1',
    ]);
    for (const resource of [record.patient, ...record.resources, ...(record.supporting ?? [])])
      expect(r4Errors(resource)).toEqual([]);
    expect(record.patient.id).toBe('2');
  });

  it('when the practice marks lists with warning codes, then each becomes a warning naming its section', () => {
    expect(all.warnings).toEqual([
      {
        severity: 'warning',
        code: 'suppressed',
        reason: 'gpc-confidential-items',
        text: 'withheld some confidential items from the Allergies section (confidentiality or patient preference)',
      },
      {
        severity: 'warning',
        code: 'incomplete',
        reason: 'gpc-data-awaiting-filing',
        text: 'holds items for the Investigations section awaiting review at the practice; the section may be incomplete',
      },
      {
        severity: 'information',
        code: 'informational',
        reason: 'gpc-not-shown',
        text: "sent ProcedureRequest entries, which the broker's record has no place for",
      },
    ]);
  });

  it('when a ProblemHeader is read, then its code, status, dates and GP Connect extensions survive', () => {
    const problem = find<Condition>(all.record.resources, 'Condition', 'problem-1');

    expect(problem.code?.coding?.[0]?.code).toBe('38341003');
    expect(problem.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(problem.onsetDateTime).toBe('2012-02-11');
    expect(problem.recordedDate).toBe('2012-02-11T11:00:00+00:00');
    expect(problem.subject?.reference).toBe('Patient/2');
    expect(problem.extension?.map((e) => e.url.split('/').pop())).toEqual([
      'Extension-CareConnect-GPC-ProblemSignificance-1',
      'Extension-CareConnect-GPC-ActualProblem-1',
      'Extension-CareConnect-GPC-RelatedClinicalContent-1',
    ]);
    expect(problem.meta).toBeUndefined();
  });

  it('when allergies are read, then active and ended ones keep their statuses, reactions and end', () => {
    const active = find<AllergyIntolerance>(all.record.resources, 'AllergyIntolerance', 'allergy-1');
    const ended = find<AllergyIntolerance>(all.record.resources, 'AllergyIntolerance', 'allergy-2');

    expect(active.verificationStatus?.coding?.[0]?.code).toBe('unconfirmed');
    expect(active.reaction?.[0]?.description).toBe('Rash over torso');
    expect(active.reaction?.[0]?.severity).toBe('moderate');
    expect(ended.clinicalStatus?.coding?.[0]?.code).toBe('resolved');
    expect(ended.extension?.[0]?.extension?.[1]).toEqual({ url: 'reasonEnded', valueString: 'Outgrown' });
  });

  it('when medications are read, then the summary, authorisation and issue keep dose, supply and repeat details', () => {
    const summary = find<MedicationStatement>(all.record.resources, 'MedicationStatement', 'ms-1');
    const plan = find<MedicationRequest>(all.record.resources, 'MedicationRequest', 'mr-1');
    const issued = find<MedicationRequest>(all.record.resources, 'MedicationRequest', 'mr-2');

    expect(summary.dosage?.[0]).toEqual({
      text: 'One tablet once a day',
      patientInstruction: 'Take in the morning',
      doseAndRate: [
        { doseQuantity: { value: 1, unit: 'tablet', system: 'http://snomed.info/sct', code: '732936001' } },
      ],
    });
    expect(summary.medicationReference?.reference).toBe('Medication/med-1');
    expect(plan.intent).toBe('plan');
    expect(plan.requester?.reference).toBe('Practitioner/1');
    expect(plan.dispenseRequest?.quantity?.value).toBe(28);
    expect(plan.extension?.[1]?.extension?.[0]).toEqual({
      url: 'numberOfRepeatPrescriptionsAllowed',
      valueUnsignedInt: 6,
    });
    expect(issued.intent).toBe('order');
    expect(issued.basedOn?.[0]?.reference).toBe('MedicationRequest/mr-1');
  });

  it('when a consultation, immunisation, result and referral are read, then their clinical content survives', () => {
    const encounter = find<Encounter>(all.record.resources, 'Encounter', 'enc-1');
    const narrative = find<Observation>(all.record.resources, 'Observation', 'narrative-1');
    const immunisation = find<Immunization>(all.record.resources, 'Immunization', 'imm-1');
    const result = find<Observation>(all.record.resources, 'Observation', 'result-1');
    const referral = find<ServiceRequest>(all.record.resources, 'ServiceRequest', 'ref-1');

    expect(encounter.type?.[0]?.text).toBe('Telephone consultation');
    expect(encounter.participant?.[0]?.type?.[0]?.coding?.[0]?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
    );
    expect(narrative.note).toEqual([{ text: 'Blood pressure well controlled on amlodipine; continue.' }]);
    expect(narrative.encounter?.reference).toBe('Encounter/enc-1');
    expect(immunisation.occurrenceDateTime).toBe('2025-10-10T10:45:00+01:00');
    expect(immunisation.doseQuantity?.value).toBe(0.5);
    expect(immunisation.protocolApplied?.[0]?.doseNumberPositiveInt).toBe(1);
    expect(result.valueQuantity?.value).toBe(118);
    expect(result.interpretation?.[0]?.coding?.[0]?.code).toBe('H');
    expect(result.referenceRange?.[0]?.high?.value).toBe(84);
    expect(referral.code?.coding?.[0]?.code).toBe('183516009');
    expect(referral.note?.[0]?.text).toBe('Resistant hypertension despite three agents');
    expect(referral.priority).toBe('routine');
  });

  it('when only allergies are wanted, then only allergies and what they refer to come back', () => {
    const { record } = readStructuredRecord(structuredRecordResources(fixture()), {
      nhsNumber: NHS,
      wanted: ['AllergyIntolerance'],
    });

    expect(new Set(record.resources.map((r) => r.resourceType))).toEqual(new Set(['AllergyIntolerance']));
    expect((record.supporting ?? []).map((r) => `${r.resourceType}/${r.id ?? ''}`).sort()).toEqual([
      'Organization/7',
      'Practitioner/1',
    ]);
  });

  it('when allergies refer by absolute URL, then the target comes back, unless the URL breaks a line before it', () => {
    const bundle = JSON.parse(
      JSON.stringify(fixture())
        .replaceAll('"Practitioner/1"', '"https://gp.example/fhir/STU3/1/Practitioner/1"')
        .replaceAll('"Organization/7"', '"https://gp.example/x\\n/Organization/7"'),
    ) as ReturnType<typeof fixture>;

    const { record } = readStructuredRecord(structuredRecordResources(bundle), {
      nhsNumber: NHS,
      wanted: ['AllergyIntolerance'],
    });

    expect((record.supporting ?? []).map((r) => `${r.resourceType}/${r.id ?? ''}`)).toEqual([
      'Practitioner/1',
    ]);
  });

  it('when the query has a since, then items updated before it are left out and undated items kept', () => {
    const bundle = fixture();
    const allergy = bundle.entry.find((e) => e.resource.id === 'allergy-1')!.resource as unknown as {
      meta: object;
    };
    allergy.meta = { ...allergy.meta, lastUpdated: '2016-03-04T10:20:00Z' };

    const { record } = readStructuredRecord(structuredRecordResources(bundle), {
      nhsNumber: NHS,
      wanted: ['AllergyIntolerance'],
      since: '2020-01-01T00:00:00Z',
    });

    expect(record.resources.map((r) => r.id)).toEqual(['allergy-2']);
  });

  it('when the Patient does not carry the queried NHS number, then it fails with patient-mismatch', () => {
    const failure = failureOf(() =>
      readStructuredRecord(structuredRecordResources(fixture()), { nhsNumber: '9000000009', wanted: [] }),
    );

    expect(failure.issue.reason).toBe('patient-mismatch');
  });

  it('when two Patients carry the queried NHS number, then it fails with ambiguous-patient', () => {
    const bundle = fixture();
    bundle.entry.push({ resource: { ...bundle.entry[0]!.resource, id: '3' } });

    const failure = failureOf(() =>
      readStructuredRecord(structuredRecordResources(bundle), { nhsNumber: NHS, wanted: [] }),
    );

    expect(failure.issue.reason).toBe('ambiguous-patient');
  });

  it('when the body is a searchset rather than a collection, then it fails with wrong-resource-type', () => {
    const failure = failureOf(() => structuredRecordResources({ ...fixture(), type: 'searchset' }));

    expect(failure.issue.reason).toBe('wrong-resource-type');
  });
});
