import type { CodeableConcept, Medication, Resource } from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES, type RecordResourceType } from '../../../core/fhir/resource-types';
import type { MedicationLookup } from './coded-concepts';
import { CONFIDENTIALITY_SYSTEM } from './confidentiality';
import { DEFAULT_SENSITIVE_DATA, SensitiveDataPolicy } from './sensitive-data-policy';

const SNOMED = 'http://snomed.info/sct';
const HIV: CodeableConcept = { coding: [{ system: SNOMED, code: '86406008' }], text: 'HIV infection' };
const ASTHMA: CodeableConcept = { coding: [{ system: SNOMED, code: '195967001' }], text: 'Asthma' };
const policy = new SensitiveDataPolicy({
  withheldConfidentiality: ['R', 'V'],
  codeSets: [{ name: 'HIV', system: SNOMED, codes: ['86406008'] }],
});
const noMedication: MedicationLookup = () => undefined;

/** For every record type, each element the policy reads, holding the given concept. */
function codedAt(concept: CodeableConcept): Record<RecordResourceType, Record<string, object>> {
  return {
    Condition: { code: { code: concept } },
    AllergyIntolerance: { code: { code: concept } },
    Flag: { code: { code: concept } },
    Observation: {
      code: { code: concept },
      valueCodeableConcept: { code: ASTHMA, valueCodeableConcept: concept },
      'component.code': { code: ASTHMA, component: [{ code: concept }] },
      'component.valueCodeableConcept': {
        code: ASTHMA,
        component: [{ code: ASTHMA, valueCodeableConcept: concept }],
      },
    },
    MedicationStatement: {
      medicationCodeableConcept: { medicationCodeableConcept: concept },
      reasonCode: { medicationCodeableConcept: ASTHMA, reasonCode: [concept] },
    },
    MedicationRequest: {
      medicationCodeableConcept: { medicationCodeableConcept: concept },
      reasonCode: { medicationCodeableConcept: ASTHMA, reasonCode: [concept] },
    },
    MedicationAdministration: {
      medicationCodeableConcept: { medicationCodeableConcept: concept },
      reasonCode: { medicationCodeableConcept: ASTHMA, reasonCode: [concept] },
    },
    Immunization: {
      vaccineCode: { vaccineCode: concept },
      reasonCode: { vaccineCode: ASTHMA, reasonCode: [concept] },
    },
    ServiceRequest: { code: { code: concept }, reasonCode: { code: ASTHMA, reasonCode: [concept] } },
    Encounter: {
      type: { type: [concept] },
      serviceType: { serviceType: concept },
      reasonCode: { reasonCode: [concept] },
    },
    Appointment: {
      serviceType: { serviceType: [concept] },
      specialty: { specialty: [concept] },
      appointmentType: { appointmentType: concept },
      reasonCode: { reasonCode: [concept] },
    },
    DocumentReference: {
      type: { type: concept },
      category: { category: [concept] },
      'context.event': { context: { event: [concept] } },
    },
    CarePlan: {
      category: { category: [concept] },
      'activity.detail.code': { activity: [{ detail: { code: concept } }] },
      'activity.detail.reasonCode': { activity: [{ detail: { reasonCode: [concept] } }] },
    },
    CareTeam: { category: { category: [concept] }, reasonCode: { reasonCode: [concept] } },
    DiagnosticReport: {
      code: { code: concept },
      category: { code: ASTHMA, category: [concept] },
      conclusionCode: { code: ASTHMA, conclusionCode: [concept] },
    },
    Procedure: {
      code: { code: concept },
      category: { code: ASTHMA, category: concept },
      reasonCode: { code: ASTHMA, reasonCode: [concept] },
    },
    RelatedPerson: { relationship: { relationship: [concept] } },
    EpisodeOfCare: { type: { type: [concept] } },
  };
}

const cases = (concept: CodeableConcept): [RecordResourceType, string, Resource][] =>
  Object.entries(codedAt(concept)).flatMap(([type, elements]) =>
    Object.entries(elements).map(([element, patch]): [RecordResourceType, string, Resource] => [
      type as RecordResourceType,
      element,
      { resourceType: type, id: 'x1', ...patch } as Resource,
    ]),
  );

describe('SensitiveDataPolicy: sensitive codes', () => {
  it('when the table is read, then every record type has its coded elements', () => {
    expect(Object.keys(codedAt(HIV)).sort()).toEqual([...RECORD_RESOURCE_TYPES].sort());
  });

  it.each(cases(HIV))(
    'when a %s has a sensitive concept in %s, then it is withheld',
    (_type, _at, resource) => {
      expect(policy.withholds(resource, noMedication)).toBe('sensitive-code');
    },
  );

  it.each(cases(ASTHMA))(
    'when a %s has an ordinary concept in %s, then it is shown',
    (_type, _at, resource) => {
      expect(policy.withholds(resource, noMedication)).toBeUndefined();
    },
  );

  it('when the same code comes from another code system, then it is not a match', () => {
    const condition: Resource = {
      resourceType: 'Condition',
      subject: {},
      code: { coding: [{ system: 'http://read.info/ctv3', code: '86406008' }] },
    };
    expect(policy.withholds(condition, noMedication)).toBeUndefined();
  });

  it('when a medication item names a Medication resource, then that Medication’s code decides', () => {
    const antiretroviral: Medication = { resourceType: 'Medication', id: 'm1', code: HIV };
    const statement: Resource = {
      resourceType: 'MedicationStatement',
      status: 'active',
      subject: {},
      medicationReference: { reference: 'Medication/m1' },
    };
    const lookup: MedicationLookup = (owner, reference) =>
      owner === statement && reference?.reference === 'Medication/m1' ? antiretroviral : undefined;

    expect(policy.withholds(statement, lookup)).toBe('sensitive-code');
    expect(policy.withholds(antiretroviral, noMedication)).toBe('sensitive-code');
    expect(policy.withholds(statement, noMedication)).toBeUndefined();
  });

  it('when the sensitive fact is only in free text or an element the policy does not read, then it is shown (documented limits)', () => {
    const condition: Resource = {
      resourceType: 'Condition',
      subject: {},
      code: ASTHMA,
      note: [{ text: 'HIV positive' }],
      evidence: [{ code: [HIV] }],
    };
    expect(policy.withholds(condition, noMedication)).toBeUndefined();
    expect(policy.withholds({ resourceType: 'Practitioner', meta: {} }, noMedication)).toBeUndefined();
  });
});

describe('SensitiveDataPolicy: confidentiality labels', () => {
  const labelled = (code: string, system = CONFIDENTIALITY_SYSTEM): Resource => ({
    resourceType: 'Condition',
    subject: {},
    code: ASTHMA,
    meta: { security: [{ system, code }] },
  });

  it.each(['R', 'V'])('when an item is labelled %s, then it is withheld whatever its code', (code) => {
    expect(policy.withholds(labelled(code), noMedication)).toBe('confidentiality');
  });

  it.each(['N', 'M', 'L', 'U'])('when an item is labelled %s, then it is shown', (code) => {
    expect(policy.withholds(labelled(code), noMedication)).toBeUndefined();
  });

  it('when R comes from another system (a sensitivity label, not confidentiality), then it is not a match', () => {
    expect(
      policy.withholds(labelled('R', 'http://terminology.hl7.org/CodeSystem/v3-ActCode'), noMedication),
    ).toBeUndefined();
  });

  it('when a DocumentReference carries R in securityLabel only, then it is withheld', () => {
    const document: Resource = {
      resourceType: 'DocumentReference',
      status: 'current',
      content: [],
      securityLabel: [{ coding: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] }],
    };
    expect(policy.withholds(document, noMedication)).toBe('confidentiality');
  });

  it('when a supporting resource (a Location) is labelled V, then it is withheld too', () => {
    const refuge: Resource = {
      resourceType: 'Location',
      meta: { security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'V' }] },
    };
    expect(policy.withholds(refuge, noMedication)).toBe('confidentiality');
  });

  it('when a Patient is labelled R or V, then it is never withheld (R means a restricted patient)', () => {
    for (const code of ['R', 'V']) {
      const patient: Resource = {
        resourceType: 'Patient',
        meta: { security: [{ system: CONFIDENTIALITY_SYSTEM, code }] },
      };
      expect(policy.withholds(patient, noMedication)).toBeUndefined();
    }
  });

  it('when the operator withholds only V, then R-labelled items are shown; the default withholds R and V', () => {
    const onlyV = new SensitiveDataPolicy({ withheldConfidentiality: ['V'], codeSets: [] });
    expect(onlyV.withholds(labelled('R'), noMedication)).toBeUndefined();
    expect(onlyV.withholds(labelled('V'), noMedication)).toBe('confidentiality');
    expect(DEFAULT_SENSITIVE_DATA.withheldConfidentiality).toEqual(['R', 'V']);
    expect(new SensitiveDataPolicy().withholds(labelled('R'), noMedication)).toBe('confidentiality');
  });
});
