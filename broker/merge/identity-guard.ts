import type { Appointment, Reference, Resource } from '@medplum/fhirtypes';
import {
  PATIENT_REFERENCE_PATH,
  SUPPORTING_PATIENT_PATH,
  isRecordResourceType,
  isSupportingResourceType,
} from '../../core/fhir/resource-types';
import type { ReferenceRewriter } from './reference-rewriter';

/**
 * True when a resource belongs to the patient its source matched: its patient element points at
 * that source's patient and at no other patient. A resource that fails is never shown.
 */
export function belongsToPatient(
  resource: Resource,
  rewriter: Pick<ReferenceRewriter, 'localTarget'>,
  localPatientId: string,
): boolean {
  if (!isRecordResourceType(resource.resourceType)) return false;
  const path = PATIENT_REFERENCE_PATH[resource.resourceType];
  const refs: (Reference | undefined)[] =
    path === 'participant'
      ? ((resource as Appointment).participant ?? []).map((p) => p.actor)
      : [(resource as unknown as Record<string, Reference | undefined>)[path]];
  const patientRefs = refs
    .map((ref) => ref?.reference)
    .filter((ref): ref is string => typeof ref === 'string')
    .map((ref) => ({ ref, local: rewriter.localTarget(ref) }))
    .filter(({ ref, local }) => (local ? local.type === 'Patient' : /(^|\/)Patient\//.test(ref)));
  // Appointment participants may also be practitioners and locations: the patient must be there, and no other.
  return patientRefs.length > 0 && patientRefs.every(({ local }) => local?.id === localPatientId);
}

/**
 * True unless a supporting resource names a patient (a Specimen's `subject`) other than the one its
 * source matched. Specimens may come from a device or a location: only a Patient reference is judged.
 */
export function supportingBelongsToPatient(
  resource: Resource,
  rewriter: Pick<ReferenceRewriter, 'localTarget'>,
  localPatientId: string,
): boolean {
  if (!isSupportingResourceType(resource.resourceType)) return false;
  const path = SUPPORTING_PATIENT_PATH[resource.resourceType];
  if (!path) return true;
  const ref = (resource as unknown as Record<string, Reference | undefined>)[path]?.reference;
  if (typeof ref !== 'string') return true;
  const local = rewriter.localTarget(ref);
  if (local) return local.type !== 'Patient' || local.id === localPatientId;
  return !/(^|\/)Patient\//.test(ref);
}
