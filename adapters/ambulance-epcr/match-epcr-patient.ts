import { upstreamError } from '../upstream-failure';
import type { EpcrPatient } from './epcr-schema';
import { isFhirId } from './to-r4/fhir-ids';

/**
 * The one ePCR patient who is the person asked about, or null when the ePCR knows nobody with that NHS
 * number. A list holding only other people, or more than one record for the number, is an upstream error:
 * the broker never guesses who a record belongs to.
 */
export function matchEpcrPatient(patients: readonly EpcrPatient[], nhsNumber: string): EpcrPatient | null {
  if (patients.length === 0) return null;
  const matching = patients.filter((patient) => patient.nhsNumber === nhsNumber);
  if (matching.length === 0) {
    throw upstreamError(
      'patient-mismatch',
      'answered the NHS number search with a patient who does not carry that NHS number',
      'business-rule',
    );
  }
  if (matching.length > 1) {
    throw upstreamError(
      'ambiguous-patient',
      'holds more than one patient with this NHS number',
      'multiple-matches',
    );
  }
  const patient = matching[0]!;
  if (!isFhirId(patient.patientId)) {
    throw upstreamError('invalid-resource', 'returned a patient without a valid id', 'structure');
  }
  return patient;
}
