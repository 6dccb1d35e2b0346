import type { CodeableConcept, Coding, Condition } from '@medplum/fhirtypes';
import {
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  SNOMED,
  coded,
  snomed,
} from '../code-systems';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

export type ConditionClinicalStatus =
  'active' | 'recurrence' | 'relapse' | 'inactive' | 'remission' | 'resolved';

const SEVERITY = {
  mild: { code: '255604002', display: 'Mild' },
  moderate: { code: '6736007', display: 'Moderate' },
  severe: { code: '24484000', display: 'Severe' },
} as const;

export interface ConditionSpec {
  /** SNOMED CT concept. */
  readonly code: string;
  readonly display: string;
  readonly clinicalStatus: ConditionClinicalStatus;
  readonly verificationStatus?: 'confirmed' | 'provisional' | 'differential' | 'unconfirmed';
  readonly category: 'problem-list-item' | 'encounter-diagnosis';
  /** dateTime: a date for problem lists, an instant for diagnoses made at an encounter. */
  readonly onset: string;
  /** Only for resolved, inactive or remission conditions. */
  readonly abatement?: string;
  readonly recordedMs: number;
  readonly recorder?: string;
  readonly encounterId?: string;
  readonly severity?: keyof typeof SEVERITY;
  readonly note?: string;
  readonly security?: readonly Coding[];
}

const CATEGORY_DISPLAY = {
  'problem-list-item': 'Problem List Item',
  'encounter-diagnosis': 'Encounter Diagnosis',
};

function statusConcept(system: string, code: string): CodeableConcept {
  return coded(system, code, code.charAt(0).toUpperCase() + code.slice(1));
}

export function buildCondition(context: RecordContext, spec: ConditionSpec): Condition {
  const condition: Condition = {
    resourceType: 'Condition',
    id: context.nextId('Condition'),
    meta: resourceMeta(context, spec.recordedMs, spec.security),
    clinicalStatus: statusConcept(CONDITION_CLINICAL, spec.clinicalStatus),
    verificationStatus: statusConcept(CONDITION_VERIFICATION, spec.verificationStatus ?? 'confirmed'),
    category: [coded(CONDITION_CATEGORY, spec.category, CATEGORY_DISPLAY[spec.category])],
    code: snomed(spec.code, spec.display),
    subject: context.patient,
    onsetDateTime: spec.onset,
    recordedDate: new Date(Math.min(spec.recordedMs, context.referenceMs)).toISOString().slice(0, 10),
  };
  if (spec.severity) {
    const severity = SEVERITY[spec.severity];
    condition.severity = { coding: [{ system: SNOMED, ...severity }] };
  }
  if (spec.abatement) condition.abatementDateTime = spec.abatement;
  if (spec.encounterId) condition.encounter = localReference('Encounter', spec.encounterId);
  if (spec.recorder) condition.recorder = displayReference(spec.recorder);
  if (spec.note) condition.note = [{ text: spec.note }];
  return condition;
}
