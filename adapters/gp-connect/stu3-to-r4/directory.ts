import type { Location, Organization, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import { asArray, carryOver, type Converted, type Stu3Resource } from './stu3-resource';

const PRACTITIONER_SAME = [
  'identifier',
  'active',
  'name',
  'telecom',
  'address',
  'gender',
  'birthDate',
  'photo',
  'qualification',
  'communication',
] as const;

const PRACTITIONER_ROLE_SAME = [
  'identifier',
  'active',
  'period',
  'practitioner',
  'organization',
  'code',
  'specialty',
  'location',
  'healthcareService',
  'telecom',
  'availableTime',
  'notAvailable',
  'availabilityExceptions',
  'endpoint',
] as const;

const ORGANIZATION_SAME = [
  'identifier',
  'active',
  'type',
  'name',
  'alias',
  'telecom',
  'address',
  'partOf',
  'contact',
  'endpoint',
] as const;

const LOCATION_SAME = [
  'identifier',
  'status',
  'operationalStatus',
  'name',
  'alias',
  'description',
  'mode',
  'telecom',
  'address',
  'physicalType',
  'position',
  'managingOrganization',
  'partOf',
  'endpoint',
] as const;

/** STU3 Practitioner → R4: same shape. */
export function convertPractitioner(source: Stu3Resource): Converted<Practitioner> {
  const { kept, dropped } = carryOver(source, {
    same: PRACTITIONER_SAME,
    handled: [],
  });
  return { resource: { resourceType: 'Practitioner', ...kept } as Practitioner, dropped };
}

/** STU3 PractitionerRole → R4: same shape. */
export function convertPractitionerRole(source: Stu3Resource): Converted<PractitionerRole> {
  const { kept, dropped } = carryOver(source, {
    same: PRACTITIONER_ROLE_SAME,
    handled: [],
  });
  return { resource: { resourceType: 'PractitionerRole', ...kept } as PractitionerRole, dropped };
}

/** STU3 Organization → R4: same shape. */
export function convertOrganization(source: Stu3Resource): Converted<Organization> {
  const { kept, dropped } = carryOver(source, {
    same: ORGANIZATION_SAME,
    handled: [],
  });
  return { resource: { resourceType: 'Organization', ...kept } as Organization, dropped };
}

/** STU3 Location → R4: `type` becomes a list. */
export function convertLocation(source: Stu3Resource): Converted<Location> {
  const { kept, dropped } = carryOver(source, {
    same: LOCATION_SAME,
    handled: ['type'],
  });
  const resource = {
    resourceType: 'Location',
    ...kept,
    ...(source.type ? { type: asArray(toR4Values(source.type)) } : {}),
  } as Location;
  return { resource, dropped };
}
