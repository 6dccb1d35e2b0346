import type { Patient } from '@medplum/fhirtypes';
import type { EpcrPatient } from './epcr-wire';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';

const SEX = {
  male: 'male',
  female: 'female',
  other: 'indeterminate',
  unknown: 'unknown',
} as const satisfies Record<NonNullable<Patient['gender']>, EpcrPatient['sex']>;

/** The ePCR platform's patient record for a population Patient: the same person, in the ePCR's words. */
export function epcrPatientFromR4(localId: string, patient: Patient): EpcrPatient {
  const name = patient.name?.[0];
  return {
    patientId: localId,
    nhsNumber: patient.identifier?.find((id) => id.system === NHS_NUMBER_SYSTEM)?.value ?? '',
    nhsNumberVerified: true,
    name: { given: [...(name?.given ?? [])], family: name?.family ?? '' },
    dateOfBirth: patient.birthDate ?? '1900-01-01',
    sex: SEX[patient.gender ?? 'unknown'],
  };
}
