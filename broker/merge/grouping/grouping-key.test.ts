import { createHash } from 'node:crypto';
import type {
  AllergyIntolerance,
  Condition,
  DocumentReference,
  Dosage,
  Encounter,
  Immunization,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { groupingKey } from './grouping-key';

const SNOMED = 'http://snomed.info/sct';
const DMD = 'https://dmd.nhs.uk';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const subject = { reference: 'Patient/9000000009' };
const noMedications = (): Medication | undefined => undefined;
const key = (resource: Resource): string | null => groupingKey(resource, noMedications);

/** Two records group when their keys are equal and not null. */
function groups(a: Resource, b: Resource): boolean {
  const ka = key(a);
  return ka !== null && ka === key(b);
}

function condition(overrides: Partial<Condition> = {}): Condition {
  return {
    resourceType: 'Condition',
    subject,
    code: { coding: [{ system: SNOMED, code: '44054006', display: 'Type 2 diabetes mellitus' }] },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    onsetDateTime: '2012-06-18',
    ...overrides,
  };
}

function dosage(text: string, dose: number, frequency = 2): Dosage {
  return {
    text,
    timing: { repeat: { frequency, period: 1, periodUnit: 'd' } },
    doseAndRate: [{ doseQuantity: { value: dose, unit: 'tablet', system: SNOMED, code: '732936001' } }],
  };
}

function statement(overrides: Partial<MedicationStatement> = {}): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    status: 'active',
    subject,
    medicationCodeableConcept: {
      coding: [{ system: DMD, code: '325278007', display: 'Metformin 500mg tablets' }],
    },
    effectivePeriod: { start: '2012-07-02' },
    dosage: [dosage('One tablet twice a day with meals', 1)],
    ...overrides,
  };
}

function hba1c(overrides: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    subject,
    code: { coding: [{ system: LOINC, code: '59261-8' }] },
    effectiveDateTime: '2026-09-14T09:32:00Z',
    valueQuantity: { value: 58, unit: 'mmol/mol', system: UCUM, code: 'mmol/mol' },
    ...overrides,
  };
}

function allergy(code: string, overrides: Partial<AllergyIntolerance> = {}): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    patient: subject,
    code: { coding: [{ system: SNOMED, code, display: 'Penicillin' }] },
    ...overrides,
  };
}

describe('groupingKey: Condition (SNOMED CT or ICD-10 code, onset day, clinical status)', () => {
  it('when two conditions have the same SNOMED code and onset day, then they group, whatever the time of day', () => {
    expect(groups(condition(), condition({ onsetDateTime: '2012-06-18T14:00:00+01:00' }))).toBe(true);
  });

  it('when the same code has a different onset date, then they do not group', () => {
    expect(groups(condition(), condition({ onsetDateTime: '2013-01-09' }))).toBe(false);
  });

  it('when a condition has no onset, then it has no key', () => {
    expect(key(condition({ onsetDateTime: undefined }))).toBeNull();
  });

  it('when only ICD-10 codes are given, then E11.9 and E119 group', () => {
    const icd = (code: string): Condition =>
      condition({ code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] } });
    expect(groups(icd('E11.9'), icd('E119'))).toBe(true);
    expect(groups(icd('E11.9'), icd('E11.8'))).toBe(false);
  });

  it('when one source says active and another resolved, then they are shown apart, not grouped', () => {
    const resolved = condition({
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
      },
    });
    expect(groups(condition(), resolved)).toBe(false);
  });

  it('when a condition was entered in error, then it has no key', () => {
    const withdrawn = condition({
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' },
        ],
      },
    });
    expect(key(withdrawn)).toBeNull();
  });

  it('when a condition is coded only in text, then it has no key', () => {
    expect(key(condition({ code: { text: 'Diabetes' } }))).toBeNull();
  });
});

describe('groupingKey: MedicationStatement and MedicationRequest (dm+d code, dose, start date)', () => {
  it('when the code is dm+d in one and SNOMED CT in the other, then they are the same code', () => {
    const snomedCoded = statement({
      medicationCodeableConcept: { coding: [{ system: SNOMED, code: '325278007' }] },
    });
    expect(groups(statement(), snomedCoded)).toBe(true);
  });

  it('when the same drug has a different dose, then they do not group', () => {
    expect(
      groups(statement(), statement({ dosage: [dosage('Two tablets twice a day with meals', 2)] })),
    ).toBe(false);
  });

  it('when the same drug and dose are given at a different frequency, then they do not group', () => {
    expect(groups(statement(), statement({ dosage: [dosage('One tablet once a day', 1, 1)] }))).toBe(false);
  });

  it('when the same drug and dose started on a different date, then they do not group', () => {
    expect(groups(statement(), statement({ effectivePeriod: { start: '2013-07-02' } }))).toBe(false);
  });

  it('when the dose is only in text, then texts that differ only in case and spacing group', () => {
    const text = (t: string): MedicationStatement => statement({ dosage: [{ text: t }] });
    expect(groups(text('One tablet  twice a day'), text('one tablet twice a day'))).toBe(true);
    expect(groups(text('One tablet twice a day'), text('Two tablets twice a day'))).toBe(false);
  });

  it('when a statement has no dosage, then it has no key (an unknown dose cannot agree)', () => {
    expect(key(statement({ dosage: undefined }))).toBeNull();
  });

  it('when one is active and the other stopped, then they are shown apart, not grouped', () => {
    expect(groups(statement(), statement({ status: 'stopped' }))).toBe(false);
  });

  it('when a statement names its drug through a Medication in the view, then that code is used', () => {
    const medication: Medication = {
      resourceType: 'Medication',
      id: 'gp-m1',
      code: { coding: [{ system: DMD, code: '325278007' }] },
    };
    const byReference = statement({
      medicationCodeableConcept: undefined,
      medicationReference: { reference: 'Medication/gp-m1' },
    });
    const resolve = (reference: string): Medication | undefined =>
      reference === 'Medication/gp-m1' ? medication : undefined;
    expect(groupingKey(byReference, resolve)).toBe(groupingKey(statement(), resolve));
    expect(groupingKey(byReference, noMedications)).toBeNull();
  });

  it('when a statement and a request say the same, then they do not group (the type is part of the key)', () => {
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'plan',
      subject,
      medicationCodeableConcept: statement().medicationCodeableConcept,
      authoredOn: '2012-07-02',
      dosageInstruction: [dosage('One tablet twice a day with meals', 1)],
    };
    expect(key(request)).not.toBeNull();
    expect(groups(statement(), request)).toBe(false);
    expect(
      groups(request, { ...request, dispenseRequest: { validityPeriod: { start: '2012-07-02' } } }),
    ).toBe(true);
    expect(groups(request, { ...request, authoredOn: '2012-07-03' })).toBe(false);
    expect(groups(request, { ...request, intent: 'order' })).toBe(false);
  });
});

describe('groupingKey: AllergyIntolerance (substance)', () => {
  it('when the substance code is the same, then they group whatever the reaction or onset', () => {
    expect(groups(allergy('764146007', { onsetDateTime: '1998-05-20' }), allergy('764146007'))).toBe(true);
  });

  it('when the substance differs, then they do not group', () => {
    expect(groups(allergy('764146007'), allergy('387494007'))).toBe(false);
  });

  it('when one source holds it resolved, then they are shown apart', () => {
    const resolved = allergy('764146007', {
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'resolved' },
        ],
      },
    });
    expect(groups(allergy('764146007'), resolved)).toBe(false);
  });
});

describe('groupingKey: Observation (code, effective time, value with unit)', () => {
  it('when code, instant and value agree, then they group, whatever the time zone written', () => {
    expect(groups(hba1c(), hba1c({ effectiveDateTime: '2026-09-14T10:32:00+01:00' }))).toBe(true);
  });

  it('when the value differs, then they do not group', () => {
    expect(groups(hba1c(), hba1c({ valueQuantity: { value: 59, system: UCUM, code: 'mmol/mol' } }))).toBe(
      false,
    );
  });

  it('when the unit differs, then they do not group', () => {
    expect(groups(hba1c(), hba1c({ valueQuantity: { value: 58, system: UCUM, code: '%' } }))).toBe(false);
  });

  it('when the time differs, then they do not group', () => {
    expect(groups(hba1c(), hba1c({ effectiveDateTime: '2026-09-14T09:33:00Z' }))).toBe(false);
  });

  it('when there is no value (data absent), then it has no key', () => {
    expect(key(hba1c({ valueQuantity: undefined }))).toBeNull();
    expect(
      key(hba1c({ valueQuantity: undefined, dataAbsentReason: { text: 'Sample haemolysed' } })),
    ).toBeNull();
  });

  it('when a blood pressure differs in one component, then they do not group', () => {
    const bp = (systolic: number): Observation =>
      hba1c({
        code: { coding: [{ system: LOINC, code: '85354-9' }] },
        valueQuantity: undefined,
        component: [
          {
            code: { coding: [{ system: LOINC, code: '8480-6' }] },
            valueQuantity: { value: systolic, code: 'mm[Hg]', system: UCUM },
          },
          {
            code: { coding: [{ system: LOINC, code: '8462-4' }] },
            valueQuantity: { value: 82, code: 'mm[Hg]', system: UCUM },
          },
        ],
      });
    expect(groups(bp(140), bp(140))).toBe(true);
    expect(groups(bp(140), bp(141))).toBe(false);
  });
});

describe('groupingKey: Immunization (vaccine, date) and DocumentReference (identifier or content)', () => {
  const flu = (date: string): Immunization => ({
    resourceType: 'Immunization',
    status: 'completed',
    patient: subject,
    vaccineCode: { coding: [{ system: SNOMED, code: '39114911000001105' }] },
    occurrenceDateTime: date,
  });

  it('when the vaccine and day agree, then they group; another day does not', () => {
    expect(groups(flu('2025-10-01'), flu('2025-10-01T11:00:00Z'))).toBe(true);
    expect(groups(flu('2025-10-01'), flu('2024-10-01'))).toBe(false);
  });

  const letter = (
    text: string,
    masterIdentifier?: DocumentReference['masterIdentifier'],
  ): DocumentReference => ({
    resourceType: 'DocumentReference',
    status: 'current',
    subject,
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(text).toString('base64') } }],
    ...(masterIdentifier ? { masterIdentifier } : {}),
  });

  it('when two documents have the same content, then they group; different content does not', () => {
    expect(groups(letter('Discharge summary'), letter('Discharge summary'))).toBe(true);
    expect(groups(letter('Discharge summary'), letter('Discharge summary.'))).toBe(false);
  });

  it('when a document is sent only by hash, then it groups with one whose data has that SHA-1', () => {
    const data = letter('Clinic letter');
    const hashOnly: DocumentReference = {
      ...data,
      content: [{ attachment: { contentType: 'text/plain', hash: 'kCwP0hrHvqJ5KTGoL3o6mVvaCsc=' } }],
    };
    const sha1 = createHash('sha1').update('Clinic letter').digest('base64');
    expect(groups(data, { ...hashOnly, content: [{ attachment: { hash: sha1 } }] })).toBe(true);
    expect(groups(data, hashOnly)).toBe(false);
  });

  it('when documents share a master identifier, then they group, whatever the content', () => {
    const id = { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0c8e7a44-8d1f-4d52-9f5e-9a1b2c3d4e5f' };
    expect(groups(letter('a', id), letter('b', id))).toBe(true);
  });
});

describe('groupingKey: types without a safe key', () => {
  it('when the resource is an Encounter, then it has no key and is never grouped', () => {
    const encounter: Encounter = {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject,
    };
    expect(key(encounter)).toBeNull();
  });
});
