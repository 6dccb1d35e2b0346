import type { Patient, Resource } from '@medplum/fhirtypes';
import type { NodeDataset } from '../../sim/population/types';

const SCT = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

/**
 * A patient as a plain FHIR R4 server holding Synthea output would serve them (Synthea's shapes:
 * LOINC panels, SNOMED procedures, a Specimen-less report and one with a Specimen), with the record
 * types issue 15 added, and one DiagnosticReport and one Procedure that belong to someone else.
 */
export function syntheaLikeDataset(nhsNumber: string): NodeDataset {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'syn-p1',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber }],
    name: [{ use: 'official', family: 'Clarke', given: ['Amelia'], prefix: ['Mrs'] }],
    gender: 'female',
    birthDate: '1957-03-14',
    generalPractitioner: [
      { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'Y90001' } },
    ],
  };
  const other: Patient = { ...patient, id: 'syn-p2', identifier: [], name: [{ family: 'Someone' }] };
  const subject = { reference: 'Patient/syn-p1' };
  const resources: Resource[] = [
    {
      resourceType: 'Observation',
      id: 'obs-hb',
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
          ],
        },
      ],
      code: { coding: [{ system: LOINC, code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }] },
      subject,
      effectiveDateTime: '2026-05-02T08:10:00Z',
      issued: '2026-05-02T13:00:00.000Z',
      valueQuantity: { value: 131, unit: 'g/L', system: UCUM, code: 'g/L' },
      specimen: { reference: 'Specimen/spec-1' },
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'dr-cbc',
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' },
          ],
        },
      ],
      code: { coding: [{ system: LOINC, code: '58410-2', display: 'CBC panel - Blood by Automated count' }] },
      subject,
      effectiveDateTime: '2026-05-02T08:10:00Z',
      issued: '2026-05-02T13:00:00.000Z',
      result: [{ reference: 'Observation/obs-hb' }],
      specimen: [{ reference: 'Specimen/spec-1' }],
    },
    {
      resourceType: 'Specimen',
      id: 'spec-1',
      type: { coding: [{ system: SCT, code: '119297000', display: 'Blood specimen' }] },
      subject,
      collection: { collectedDateTime: '2026-05-02T08:10:00Z' },
    },
    {
      resourceType: 'Procedure',
      id: 'proc-appendix',
      status: 'completed',
      code: { coding: [{ system: SCT, code: '80146002', display: 'Appendectomy' }], text: 'Appendectomy' },
      subject,
      performedPeriod: { start: '1989-07-11T10:00:00Z', end: '1989-07-11T11:10:00Z' },
      bodySite: [{ coding: [{ system: SCT, code: '66754008', display: 'Appendix structure' }] }],
      outcome: { text: 'Recovered without complication' },
    },
    {
      resourceType: 'RelatedPerson',
      id: 'rp-nok',
      active: true,
      patient: subject,
      relationship: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N', display: 'Next-of-Kin' },
          ],
        },
      ],
      name: [{ family: 'Clarke', given: ['Sophie'] }],
      telecom: [{ system: 'phone', value: '07700 900456' }],
    },
    {
      resourceType: 'EpisodeOfCare',
      id: 'eoc-camhs',
      status: 'finished',
      type: [{ text: 'Child and adolescent mental health service (CAMHS)' }],
      patient: subject,
      period: { start: '1971-10-04', end: '1972-07-21' },
      careManager: { display: 'Dr Margaret Hale' },
    },
    // Another patient's items, mixed in by a faulty source: the identity guard must withhold them.
    {
      resourceType: 'DiagnosticReport',
      id: 'dr-other',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '24362-6', display: 'Renal function 2000 panel' }] },
      subject: { reference: 'Patient/syn-p2' },
      issued: '2026-04-01T10:00:00.000Z',
    },
    {
      resourceType: 'Procedure',
      id: 'proc-other',
      status: 'completed',
      code: { coding: [{ system: SCT, code: '73761001', display: 'Colonoscopy' }] },
      subject: { reference: 'Patient/syn-p2' },
      performedDateTime: '2025-01-01',
    },
  ];
  return {
    nodeId: 'acute',
    records: new Map([
      ['syn-p1', { localId: 'syn-p1', patient, resources }],
      ['syn-p2', { localId: 'syn-p2', patient: other, resources: [] }],
    ]),
    localIdByNhs: new Map([[nhsNumber, 'syn-p1']]),
  };
}
