import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM, RESTRICTED_LABEL } from './code-systems';
import { toInstant } from './clock';
import { SIM_ORGANISATIONS, type SimOrganisation } from './organisations';
import type { SimPerson } from './types';

export interface PatientResourceSpec {
  readonly organisation: SimOrganisation;
  readonly localId: string;
  readonly person: SimPerson;
  readonly lastUpdatedMs: number;
  /** The person's record is restricted (S-flag): every node labels the Patient v3-Confidentiality R. */
  readonly restricted: boolean;
}

/**
 * One node's Patient: the NHS number and the node's own id, and the same demographics as every other node.
 * The GP practice and the hospital name the registered practice by ODS code (no resource reference: the
 * nodes serve no Organization).
 */
export function buildPatient(spec: PatientResourceSpec): Patient {
  const { person, organisation } = spec;
  const patient: Patient = {
    resourceType: 'Patient',
    id: spec.localId,
    meta: {
      lastUpdated: toInstant(spec.lastUpdatedMs),
      ...(spec.restricted ? { security: [RESTRICTED_LABEL] } : {}),
    },
    identifier: [
      { system: NHS_NUMBER_SYSTEM, value: person.nhsNumber },
      { use: 'usual', system: organisation.localIdSystem, value: spec.localId },
    ],
    active: true,
    name: [{ use: 'official', family: person.family, given: [person.given] }],
    gender: person.gender,
    birthDate: person.birthDate,
  };
  if (person.phone) {
    patient.telecom = [
      { system: 'phone', value: person.phone, use: person.phone.startsWith('07') ? 'mobile' : 'home' },
    ];
  }
  if (person.address) {
    patient.address = [
      {
        use: 'home',
        type: 'both',
        line: [...person.address.line],
        city: person.address.city,
        postalCode: person.address.postalCode,
        country: 'GB',
      },
    ];
  }
  if (organisation.nodeId === 'gp' || organisation.nodeId === 'acute') {
    const practice = SIM_ORGANISATIONS.gp;
    patient.generalPractitioner = [
      { identifier: { system: ODS_SYSTEM, value: practice.odsCode }, display: practice.name },
    ];
  }
  return patient;
}
