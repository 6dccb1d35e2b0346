import type { AllergyIntolerance, CodeableConcept } from '@medplum/fhirtypes';
import { asString, carryOver, type Converted, type Stu3Resource } from './stu3-resource';

const THO = 'http://terminology.hl7.org/CodeSystem';

const SAME = [
  'identifier',
  'type',
  'category',
  'criticality',
  'code',
  'patient',
  'onsetDateTime',
  'onsetAge',
  'onsetPeriod',
  'onsetRange',
  'onsetString',
  'recorder',
  'asserter',
  'lastOccurrence',
  'note',
  'reaction',
] as const;

/** A status code of STU3 as the CodeableConcept R4 wants, in the system R4 binds. */
export function statusConcept(system: string, code: string | undefined): CodeableConcept | undefined {
  if (!code) return undefined;
  return { coding: [{ system, code, display: code.charAt(0).toUpperCase() + code.slice(1) }] };
}

/**
 * STU3 AllergyIntolerance → R4: clinical and verification statuses become CodeableConcepts (same codes),
 * `assertedDate` becomes `recordedDate` (it is when the practice recorded it). Reactions keep their shape.
 */
export function convertAllergyIntolerance(source: Stu3Resource): Converted<AllergyIntolerance> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['clinicalStatus', 'verificationStatus', 'assertedDate'],
  });
  const clinicalStatus = statusConcept(`${THO}/allergyintolerance-clinical`, asString(source.clinicalStatus));
  const verificationStatus = statusConcept(
    `${THO}/allergyintolerance-verification`,
    asString(source.verificationStatus),
  );
  const resource = {
    resourceType: 'AllergyIntolerance',
    ...kept,
    ...(clinicalStatus ? { clinicalStatus } : {}),
    ...(verificationStatus ? { verificationStatus } : {}),
    ...(typeof source.assertedDate === 'string' ? { recordedDate: source.assertedDate } : {}),
  } as AllergyIntolerance;
  return { resource, dropped };
}
