import type { Resource } from '@medplum/fhirtypes';
import {
  PATIENT_REFERENCE_PATH,
  RECORD_RESOURCE_TYPES,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import { belongsToPatient, supportingBelongsToPatient } from './identity-guard';
import { ReferenceRewriter } from './reference-rewriter';

const rewriter = new ReferenceRewriter({
  sourceId: 'acute',
  baseUrl: 'http://acute.test/fhir',
  inView: new Set(),
  localPatientId: 'RX1',
  viewPatientId: '9000000009',
});

/** A minimal resource of a type whose patient element points at `reference`. */
function pointingAt(type: RecordResourceType, reference: string): Resource {
  const path = PATIENT_REFERENCE_PATH[type];
  const patient = path === 'participant' ? [{ actor: { reference }, status: 'accepted' }] : { reference };
  return { resourceType: type, id: 'x1', [path]: patient } as unknown as Resource;
}

describe('belongsToPatient (the identity guard)', () => {
  it.each(RECORD_RESOURCE_TYPES)(
    'when a %s refers to the source patient, then it belongs; to another patient or to none, then not',
    (type) => {
      expect(belongsToPatient(pointingAt(type, 'Patient/RX1'), rewriter, 'RX1')).toBe(true);
      expect(belongsToPatient(pointingAt(type, 'http://acute.test/fhir/Patient/RX1'), rewriter, 'RX1')).toBe(
        true,
      );
      expect(belongsToPatient(pointingAt(type, 'Patient/RX2'), rewriter, 'RX1')).toBe(false);
      expect(
        belongsToPatient(pointingAt(type, 'http://elsewhere.test/fhir/Patient/RX1'), rewriter, 'RX1'),
      ).toBe(false);
      expect(belongsToPatient({ resourceType: type, id: 'x1' } as Resource, rewriter, 'RX1')).toBe(false);
    },
  );

  it('when the four later record types point at the patient through their own element, then the guard reads it', () => {
    expect(PATIENT_REFERENCE_PATH).toMatchObject({
      Immunization: 'patient',
      MedicationRequest: 'subject',
      MedicationAdministration: 'subject',
      ServiceRequest: 'subject',
    });
    const wrong: Resource = {
      resourceType: 'Immunization',
      id: 'i1',
      status: 'completed',
      vaccineCode: { text: 'Influenza' },
      occurrenceDateTime: '2025-10-01',
      // Right patient in the wrong element, wrong patient in the right one.
      subject: { reference: 'Patient/RX1' },
      patient: { reference: 'Patient/RX2' },
    } as Resource;
    expect(belongsToPatient(wrong, rewriter, 'RX1')).toBe(false);
  });

  it('when an Appointment names the patient and a practitioner, then it belongs; with a second patient, then not', () => {
    const appointment = (refs: string[]): Resource =>
      ({
        resourceType: 'Appointment',
        id: 'a1',
        status: 'booked',
        participant: refs.map((reference) => ({ actor: { reference }, status: 'accepted' })),
      }) as Resource;
    expect(belongsToPatient(appointment(['Patient/RX1', 'Practitioner/p1']), rewriter, 'RX1')).toBe(true);
    expect(belongsToPatient(appointment(['Patient/RX1', 'Patient/RX2']), rewriter, 'RX1')).toBe(false);
  });

  it('when a resource is not a record type (a Patient, a Practitioner), then it never belongs as a record item', () => {
    expect(belongsToPatient({ resourceType: 'Practitioner', id: 'p1' }, rewriter, 'RX1')).toBe(false);
  });
});

describe('supportingBelongsToPatient (the identity guard for a Specimen)', () => {
  const specimen = (reference?: string): Resource =>
    ({ resourceType: 'Specimen', id: 's1', ...(reference ? { subject: { reference } } : {}) }) as Resource;

  it("when a Specimen names the source's patient, or no patient, then it belongs", () => {
    expect(supportingBelongsToPatient(specimen('Patient/RX1'), rewriter, 'RX1')).toBe(true);
    expect(supportingBelongsToPatient(specimen(), rewriter, 'RX1')).toBe(true);
    expect(supportingBelongsToPatient(specimen('Location/lab-fridge'), rewriter, 'RX1')).toBe(true);
  });

  it('when a Specimen names another patient, here or elsewhere, then it does not', () => {
    expect(supportingBelongsToPatient(specimen('Patient/RX2'), rewriter, 'RX1')).toBe(false);
    expect(
      supportingBelongsToPatient(specimen('http://elsewhere.test/fhir/Patient/RX1'), rewriter, 'RX1'),
    ).toBe(false);
  });

  it('when a practitioner is checked, then it belongs (it names no patient)', () => {
    expect(supportingBelongsToPatient({ resourceType: 'Practitioner', id: 'p1' }, rewriter, 'RX1')).toBe(
      true,
    );
  });
});
