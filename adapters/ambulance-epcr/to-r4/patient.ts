import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../../core/fhir/systems';
import type { EpcrPatient } from '../epcr-schema';
import { NHS_NUMBER_VERIFICATION_SYSTEM, NHS_NUMBER_VERIFICATION_URL } from './r4-codes';

const GENDER = {
  male: 'male',
  female: 'female',
  indeterminate: 'other',
  unknown: 'unknown',
} as const satisfies Record<EpcrPatient['sex'], NonNullable<Patient['gender']>>;

const VERIFICATION = {
  verified: { code: '01', display: 'Number present and verified' },
  unverified: { code: '02', display: 'Number present but not traced' },
} as const;

/** The ePCR's patient as a UK Core Patient: id = the ePCR patient id, the NHS number with its verification status. */
export function toR4Patient(patient: EpcrPatient): Patient & { id: string } {
  const verification = patient.nhsNumberVerified ? VERIFICATION.verified : VERIFICATION.unverified;
  return {
    resourceType: 'Patient',
    id: patient.patientId,
    identifier: [
      {
        extension: [
          {
            url: NHS_NUMBER_VERIFICATION_URL,
            valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_SYSTEM, ...verification }] },
          },
        ],
        system: NHS_NUMBER_SYSTEM,
        value: patient.nhsNumber,
      },
    ],
    name: [
      {
        use: 'official',
        family: patient.name.family,
        ...(patient.name.given.length > 0 ? { given: [...patient.name.given] } : {}),
      },
    ],
    gender: GENDER[patient.sex],
    birthDate: patient.dateOfBirth,
  };
}
