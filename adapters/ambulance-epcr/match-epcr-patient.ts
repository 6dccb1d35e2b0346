import { matchingPatient, upstreamError } from '../upstream-failure';
import type { EpcrPatient } from './epcr-schema';
import { isFhirId } from './to-r4/fhir-ids';

/**
 * The one ePCR patient who is the person asked about, or null when the ePCR knows nobody with that NHS
 * number (see matchingPatient: the broker never guesses who a record belongs to).
 */
export function matchEpcrPatient(patients: readonly EpcrPatient[], nhsNumber: string): EpcrPatient | null {
  const patient = matchingPatient(patients, (candidate) => candidate.nhsNumber === nhsNumber);
  if (patient && !isFhirId(patient.patientId)) {
    throw upstreamError('invalid-resource', 'returned a patient without a valid id', 'structure');
  }
  return patient;
}
