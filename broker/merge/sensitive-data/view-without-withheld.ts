import type { Patient, Provenance } from '@medplum/fhirtypes';
import type { SourceOutcome } from '../../../core/source-contract';
import { entryReference, type MergedEntry } from '../merged-entry';
import type { PatientContribution } from '../merged-patient';
import { includedOnlyFor, referencesIn, withoutTargets } from './included-reach';
import { isRestrictedPatient, restrictedPatient, restrictedParts } from './restricted-patient';

export interface ViewWithoutWithheldInput {
  /** Every source's outcome as it came (a source excluded by the cross-check still says who is restricted). */
  readonly outcomes: readonly SourceOutcome[];
  readonly patient: Patient | null;
  readonly contributions: readonly PatientContribution[];
  readonly entries: readonly MergedEntry[];
  readonly included: readonly MergedEntry[];
  readonly provenance: readonly Provenance[];
  /** View references made by the resources the policy withheld. */
  readonly withheldReferences: readonly string[];
  /** The national demographics service flags the patient restricted, whatever the sources say. */
  readonly restrictedByAuthority?: boolean;
}

export interface ViewWithoutWithheld {
  /** True when any source labels the patient restricted (S-flag). */
  readonly restricted: boolean;
  readonly patient: Patient | null;
  readonly included: readonly MergedEntry[];
  readonly provenance: readonly Provenance[];
}

/**
 * The last step of withholding, once every source's withheld items are out: for a restricted patient
 * (any source's Patient labelled R), the Patient without contact details or registered practice; then
 * without the included resources that only withheld items or those removed details referred to (the
 * usual GP's Practitioner, the practice's Organization, a sensitive item's Medication), and without
 * Provenance targets for them. Applying it to a view that has already been through it changes nothing.
 */
export function viewWithoutWithheld(input: ViewWithoutWithheldInput): ViewWithoutWithheld {
  const restricted =
    Boolean(input.restrictedByAuthority) ||
    input.outcomes.some((o) => o.status === 'ok' && isRestrictedPatient(o.record.patient));
  const patient = restricted && input.patient ? restrictedPatient(input.patient) : input.patient;
  const removed = [...input.withheldReferences];
  if (restricted) {
    for (const { patient: sourcePatient, rewriter } of input.contributions) {
      removed.push(...referencesIn(restrictedParts(sourcePatient)).map((ref) => rewriter.rewrite(ref)));
    }
  }
  const dropped = includedOnlyFor({
    included: input.included,
    shown: [...input.entries.map((e) => e.resource), ...(patient ? [patient] : [])],
    removed,
  });
  if (dropped.size === 0) {
    return { restricted, patient, included: input.included, provenance: input.provenance };
  }
  return {
    restricted,
    patient,
    included: input.included
      .filter((e) => !dropped.has(entryReference(e)))
      .map((e) =>
        e.resource.resourceType === 'Provenance'
          ? { ...e, resource: withoutTargets(e.resource, dropped) }
          : e,
      ),
    provenance: input.provenance.map((p) => withoutTargets(p, dropped)),
  };
}
