import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AllergyIntolerance,
  Condition,
  Encounter,
  Immunization,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { r4Errors } from '../../../test/support/fhir-validator';
import { convertStu3Resource } from './convert-resource';
import type { Stu3Resource } from './stu3-resource';

/** HL7 FHIR STU3 example resources (see test/fixtures/stu3/README.md). */
function stu3Example(name: string): Stu3Resource {
  return JSON.parse(
    readFileSync(join(__dirname, '../../../test/fixtures/stu3', name), 'utf8'),
  ) as Stu3Resource;
}

function convert<T>(name: string): { resource: T; dropped: readonly string[] } {
  const converted = convertStu3Resource(stu3Example(name));
  if (!converted) throw new Error('not converted');
  return converted as unknown as { resource: T; dropped: readonly string[] };
}

/** What each example holds that R4 has no place for: non-clinical elements, reported as dropped. */
const DROPPED: Readonly<Record<string, readonly string[]>> = {
  'medication-example.json': ['Medication.package.content', 'Medication.image'],
};

const EXAMPLES = [
  'allergy-intolerance-example.json',
  'medication-statement-example001.json',
  'medication-request-medrx0313.json',
  'condition-f203.json',
  'observation-f002.json',
  'immunization-example.json',
  'encounter-example.json',
  'referral-request-example.json',
  'practitioner-example.json',
  'organization-example.json',
  'patient-example.json',
  'medication-example.json',
];

describe('STU3 → R4 conversion of the HL7 example resources', () => {
  it.each(EXAMPLES)('when %s is converted, then it validates as FHIR R4', (name) => {
    const { resource, dropped } = convert<object>(name);

    expect(r4Errors(resource)).toEqual([]);
    expect(dropped).toEqual(DROPPED[name] ?? []);
  });

  it('when an AllergyIntolerance is converted, then its statuses become R4 concepts and its reactions survive', () => {
    const { resource } = convert<AllergyIntolerance>('allergy-intolerance-example.json');

    expect(resource.clinicalStatus?.coding?.[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
      code: 'active',
    });
    expect(resource.verificationStatus?.coding?.[0]?.code).toBe('confirmed');
    expect(resource.recordedDate).toBe('2014-10-09T14:58:00+11:00');
    expect(resource.code?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '227493005' });
    expect(resource.criticality).toBe('high');
    expect(resource.reaction?.map((r) => [r.manifestation[0]?.coding?.[0]?.code, r.severity])).toEqual([
      ['39579001', 'severe'],
      ['64305001', 'moderate'],
    ]);
    expect(resource.reaction?.[0]?.description).toMatch(/^Challenge Protocol/);
  });

  it('when a MedicationStatement is converted, then dose, timing and taken survive and the status is unchanged', () => {
    const { resource } = convert<MedicationStatement>('medication-statement-example001.json');

    expect(resource.status).toBe('active');
    expect(resource.category?.coding?.[0]?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/medication-statement-category',
    );
    expect(resource.extension).toContainEqual({
      url: 'http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.taken',
      valueCode: 'n',
    });
    const dosage = resource.dosage?.[0];
    expect(dosage?.text).toBe('1-2 tablets once daily at bedtime as needed for restless legs');
    expect(dosage?.doseAndRate?.[0]?.doseRange?.low?.value).toBe(1);
    expect(dosage?.doseAndRate?.[0]?.doseRange?.high?.value).toBe(2);
    expect(dosage?.timing?.repeat).toEqual({ frequency: 1, period: 1, periodUnit: 'd' });
    const contained = resource.contained?.[0] as Medication;
    expect(contained.ingredient?.[0]?.strength?.numerator?.value).toBe(500);
    expect(contained.batch).toEqual({ lotNumber: '9494788', expirationDate: '2017-05-22' });
    expect(contained.extension?.[0]).toMatchObject({ valueBoolean: true });
  });

  it('when a MedicationRequest is converted, then the requester, dose and supply survive', () => {
    const { resource } = convert<MedicationRequest>('medication-request-medrx0313.json');

    expect(resource.status).toBe('completed');
    expect(resource.intent).toBe('order');
    expect(resource.requester?.reference).toBe('Practitioner/f007');
    expect(resource.extension?.[0]).toMatchObject({
      url: 'http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationRequest.requester.onBehalfOf',
      valueReference: { reference: 'Organization/f002' },
    });
    expect(resource.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity).toMatchObject({
      value: 500,
      code: 'mg',
    });
    expect(resource.dispenseRequest?.quantity?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm',
    );
    expect(resource.dispenseRequest?.expectedSupplyDuration?.value).toBe(5);
  });

  it('when a Condition is converted, then status, dates, encounter and severity survive', () => {
    const { resource } = convert<Condition>('condition-f203.json');

    expect(resource.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(resource.verificationStatus?.coding?.[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
      code: 'confirmed',
    });
    expect(resource.recordedDate).toBe('2013-03-11');
    expect(resource.onsetDateTime).toBe('2013-03-08');
    expect(resource.encounter?.reference).toBe('Encounter/f203');
    expect(resource.severity?.coding?.[0]?.code).toBe('371924009');
    expect(resource.category?.[0]?.coding?.[1]?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/condition-category',
    );
  });

  it('when an Observation is converted, then value, unit, range and interpretation survive', () => {
    const { resource } = convert<Observation>('observation-f002.json');

    expect(resource.valueQuantity).toEqual({
      value: 12.6,
      unit: 'mmol/l',
      system: 'http://unitsofmeasure.org',
      code: 'mmol/L',
    });
    expect(resource.interpretation?.[0]?.coding?.[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/v2-0078',
      code: 'H',
    });
    expect(resource.referenceRange?.[0]?.low?.value).toBe(7.1);
    expect(resource.effectivePeriod?.start).toBe('2013-04-02T10:30:10+01:00');
    expect(resource.status).toBe('final');
  });

  it('when an Immunization is converted, then date, performers, reasons and protocol survive', () => {
    const { resource } = convert<Immunization>('immunization-example.json');

    expect(resource.status).toBe('completed');
    expect(resource.occurrenceDateTime).toBe('2013-01-10');
    expect(resource.vaccineCode.coding?.[0]?.code).toBe('FLUVAX');
    expect(resource.performer?.map((p) => p.function?.coding?.[0]?.code)).toEqual(['OP', 'AP']);
    expect(resource.reasonCode?.[0]?.coding?.[0]?.code).toBe('429060002');
    const protocol = resource.protocolApplied?.[0];
    expect(protocol).toMatchObject({ doseNumberPositiveInt: 1, seriesDosesPositiveInt: 2 });
    expect(protocol?.extension?.map((e) => e.url.split('-').pop())).toEqual([
      'Immunization.vaccinationProtocol.description',
      'Immunization.vaccinationProtocol.doseStatus',
      'Immunization.vaccinationProtocol.doseStatusReason',
    ]);
  });

  it('when an Immunization was not given, then its R4 status is not-done', () => {
    const source = { ...stu3Example('immunization-example.json'), notGiven: true };

    const converted = convertStu3Resource(source)?.resource as Immunization;

    expect(converted.status).toBe('not-done');
  });

  it('when an Encounter is converted, then its reason and period survive and a missing class is marked absent', () => {
    const { resource } = convert<Encounter>('encounter-example.json');

    expect(resource.reasonCode?.[0]?.coding?.[0]?.display).toBe('Medical care');
    expect(resource.period).toEqual({ start: '2015-02-01', end: '2015-02-01' });
    expect(resource.class.extension?.[0]?.valueCode).toBe('not-asked');
  });

  it('when a ReferralRequest is converted, then it is a ServiceRequest with the service, reason and text', () => {
    const { resource } = convert<ServiceRequest>('referral-request-example.json');

    expect(resource.resourceType).toBe('ServiceRequest');
    expect(resource.id).toBe('example');
    expect(resource.code?.coding?.[0]?.code).toBe('172676009');
    expect(resource.category?.[0]?.coding?.[0]?.code).toBe('103696004');
    expect(resource.performer?.[0]?.display).toBe('Dr Dave');
    expect(resource.reasonCode?.[0]?.text).toBe('For consideration of Grommets');
    expect(resource.note?.[0]?.text).toMatch(/^In the past 2 years/);
    expect(resource.requisition?.value).toBe('1234');
    expect(resource.status).toBe('active');
  });

  it('when a resource carries an element R4 has no place for, then it is reported as dropped', () => {
    const source = { ...stu3Example('patient-example.json'), animal: { species: { text: 'dog' } } };

    const converted = convertStu3Resource(source);

    expect(converted?.dropped).toEqual(['Patient.animal']);
    expect(converted?.resource).not.toHaveProperty('animal');
  });
});
