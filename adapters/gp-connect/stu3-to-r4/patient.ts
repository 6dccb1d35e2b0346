import type { Patient } from '@medplum/fhirtypes';
import { carryOver, type Converted, type Stu3Resource } from './stu3-resource';

const SAME = [
  'identifier',
  'active',
  'name',
  'telecom',
  'gender',
  'birthDate',
  'deceasedBoolean',
  'deceasedDateTime',
  'address',
  'maritalStatus',
  'multipleBirthBoolean',
  'multipleBirthInteger',
  'photo',
  'contact',
  'communication',
  'generalPractitioner',
  'managingOrganization',
  'link',
] as const;

/**
 * STU3 Patient → R4: the elements kept their shape (GP Connect's registration and NHS number verification
 * extensions are carried unchanged); `animal` has no R4 element.
 */
export function convertPatient(source: Stu3Resource): Converted<Patient> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: [],
  });
  return { resource: { resourceType: 'Patient', ...kept } as Patient, dropped };
}
