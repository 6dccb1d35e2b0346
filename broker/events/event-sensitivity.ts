import type { CodeableConcept, Coding, Encounter, Patient } from '@medplum/fhirtypes';
import type { SensitiveDataPolicy, WithholdReason } from '../merge/sensitive-data/sensitive-data-policy';
import { isRestrictedPatient } from '../merge/sensitive-data/restricted-patient';

/** What the sensitive-data rules decided about an event at receipt: governance data, kept in the journal. */
export interface EventSensitivity {
  /** The event's focus is sensitive: no notification is made for it (only a count is audited). */
  readonly withheld?: WithholdReason;
  /** The patient is restricted (S-flag): notifications are made in their minimal form. */
  readonly restricted?: true;
}

/**
 * Judges an event's focus with the view's own sensitive-data policy: an Encounter as the view would
 * (its v3-Confidentiality labels; its type, serviceType and reasonCode against the sensitive code sets),
 * and an ambulance incident as the Encounter it is about to become (its labels, its presenting
 * complaints as reason codes). `focus` is judged and dropped: the journal keeps only the decision.
 */
export function judgeEvent(
  policy: SensitiveDataPolicy,
  focus: {
    readonly encounter?: Encounter;
    readonly security?: readonly Coding[];
    readonly complaints?: readonly CodeableConcept[];
    readonly patient?: Patient;
    readonly restrictedFlag?: boolean;
  },
): EventSensitivity {
  const encounter: Encounter = focus.encounter ?? {
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { code: 'EMER' },
    meta: { security: [...(focus.security ?? [])] },
    reasonCode: [...(focus.complaints ?? [])],
  };
  const withheld = policy.withholds(encounter, () => undefined);
  const restricted =
    focus.restrictedFlag === true || (focus.patient ? isRestrictedPatient(focus.patient) : false);
  return { ...(withheld ? { withheld } : {}), ...(restricted ? { restricted: true as const } : {}) };
}
