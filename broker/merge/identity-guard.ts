import type { Appointment, Reference, Resource } from '@medplum/fhirtypes';
import {
  PATIENT_REFERENCE_PATH,
  SUPPORTING_PATIENT_PATH,
  isRecordResourceType,
  isSupportingResourceType,
} from '../../core/fhir/resource-types';
import type { ReferenceRewriter } from './reference-rewriter';

/** A reference to a Patient: what a reference that does not point into the source is judged by. */
const PATIENT_IN_REFERENCE = /(^|\/)Patient\//;

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
  // One pass, nothing built: this runs for every resource of every view.
  let named = false;
  /** False when the reference names a patient other than the source's own. */
  const fits = (ref: Reference | undefined): boolean => {
    const reference = ref?.reference;
    if (typeof reference !== 'string') return true;
    const local = rewriter.localTarget(reference);
    // Appointment participants may also be practitioners and locations: only Patient references are judged.
    if (local ? local.type !== 'Patient' : !PATIENT_IN_REFERENCE.test(reference)) return true;
    named = true;
    return local?.id === localPatientId;
  };
  if (path === 'participant') {
    for (const participant of (resource as Appointment).participant ?? [])
      if (!fits(participant.actor)) return false;
  } else if (!fits((resource as unknown as Record<string, Reference | undefined>)[path])) return false;
  // The patient must be there, and no other.
  return named;
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
  return !PATIENT_IN_REFERENCE.test(ref);
}
