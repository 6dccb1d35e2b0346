import { r4CodeSystem, r4Reference } from './r4-values';

/** The pattern-only forms these replaced, kept as the reference they must agree with. */
const MOVED = [
  'condition-category',
  'condition-clinical',
  'condition-ver-status',
  'allergyintolerance-clinical',
  'allergyintolerance-verification',
  'observation-category',
  'medication-statement-category',
  'immunization-origin',
  'list-empty-reason',
  'diagnosis-role',
  'data-absent-reason',
  'organization-type',
  'practitioner-role',
  'location-physical-type',
  'contactentity-type',
  'list-order',
];
function referenceCodeSystem(system: string): string {
  const THO = 'http://terminology.hl7.org/CodeSystem';
  if (system === 'http://hl7.org/fhir/medication-request-category')
    return `${THO}/medicationrequest-category`;
  const v2 = /^http:\/\/hl7\.org\/fhir\/v2\/(\d{4})$/.exec(system);
  if (v2) return `${THO}/v2-${v2[1]}`;
  const v3 = /^http:\/\/hl7\.org\/fhir\/v3\/([A-Za-z]+)$/.exec(system);
  if (v3) return `${THO}/v3-${v3[1]}`;
  const hl7 = /^http:\/\/hl7\.org\/fhir\/([a-z-]+)$/.exec(system);
  if (hl7 && MOVED.includes(hl7[1]!)) return `${THO}/${hl7[1]}`;
  return system;
}
const referenceReference = (reference: string): string =>
  reference.replace(/(^|\/)(ReferralRequest|ProcedureRequest)\//, '$1ServiceRequest/');

const SYSTEMS = [
  'http://snomed.info/sct',
  'http://loinc.org',
  'http://hl7.org/fhir/v2/0074',
  'http://hl7.org/fhir/v2/007',
  'http://hl7.org/fhir/v2/00744',
  'http://hl7.org/fhir/v2/0074\n',
  'http://hl7.org/fhir/v2/',
  'http://hl7.org/fhir/v2/v2/0074',
  'http://hl7.org/fhir/v3/ActCode',
  'http://hl7.org/fhir/v3/Act-Code',
  'http://hl7.org/fhir/v3/',
  'http://hl7.org/fhir/v3/ObservationInterpretation/x',
  'http://hl7.org/fhir/v2',
  'http://hl7.org/fhir/v3',
  'http://hl7.org/fhir/',
  'http://hl7.org/fhir',
  'http://hl7.org/fhir/medication-request-category',
  'http://hl7.org/fhir/medication-request-category/',
  'http://hl7.org/fhir/not-moved',
  'http://hl7.org/fhir/Observation-Category',
  'https://hl7.org/fhir/observation-category',
  'HTTP://hl7.org/fhir/observation-category',
  'http://hl7.org/fhir/observation-category\n',
  'http://hl7.org/fhir/constructor',
  'http://hl7.org/fhir/__proto__',
  'http://hl7.orgXfhir/observation-category',
  ...MOVED.map((name) => `http://hl7.org/fhir/${name}`),
  '',
];
const REFERENCES = [
  'Patient/p1',
  'ReferralRequest/r1',
  'ProcedureRequest/p1',
  'https://gp.example/fhir/ReferralRequest/r1',
  'ReferralRequest/r1/_history/ReferralRequest/2',
  'MyReferralRequest/r1',
  'ReferralRequests/r1',
  'referralrequest/r1',
  'Request/x',
  'urn:uuid:ReferralRequest/x',
  '/ReferralRequest/x',
  '#ReferralRequest',
  '',
];

describe('R4 code systems and references', () => {
  it('when a system is converted, then it is what the patterns made of it, the first time and after', () => {
    expect(SYSTEMS.map(r4CodeSystem)).toEqual(SYSTEMS.map(referenceCodeSystem));
    expect(SYSTEMS.map(r4CodeSystem)).toEqual(SYSTEMS.map(referenceCodeSystem));
  });

  it('when a reference is converted, then it is what the pattern made of it', () => {
    expect(REFERENCES.map(r4Reference)).toEqual(REFERENCES.map(referenceReference));
  });
});
