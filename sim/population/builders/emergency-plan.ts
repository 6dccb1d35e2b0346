import type { CarePlan, Flag } from '@medplum/fhirtypes';
import { toDate, toInstant } from '../clock';
import { FLAG_CATEGORY, coded, snomed } from '../code-systems';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

/**
 * The plans an ambulance crew needs first, as the broker recognises them (broker/record/emergency-items.ts):
 * a CarePlan whose category is a recognised SNOMED CT care plan type (treatment escalation, advance care or
 * end of life plan: a ReSPECT form or a Universal Care Plan), and a resuscitation decision as a Flag.
 */
export const EMERGENCY_PLAN_CATEGORIES = {
  respect: snomed('735324008', 'Treatment escalation plan'),
  universal: snomed('736366004', 'Advance care plan'),
  endOfLife: snomed('736373009', 'End of life care plan'),
} as const;

export const RESUSCITATION_DECISIONS = {
  notForCpr: snomed('304253006', 'Not for resuscitation'),
  forCpr: snomed('304252001', 'For resuscitation'),
} as const;

export interface EmergencyPlanSpec {
  readonly category: keyof typeof EMERGENCY_PLAN_CATEGORIES;
  readonly title: string;
  readonly description: string;
  readonly recommendations: readonly string[];
  readonly startMs: number;
  readonly author: string;
  readonly encounterId?: string;
}

export function buildEmergencyPlan(context: RecordContext, spec: EmergencyPlanSpec): CarePlan {
  const category = EMERGENCY_PLAN_CATEGORIES[spec.category];
  return {
    resourceType: 'CarePlan',
    id: context.nextId('CarePlan'),
    meta: resourceMeta(context, spec.startMs),
    status: 'active',
    intent: 'plan',
    category: [{ ...category, text: spec.title }],
    title: spec.title,
    description: spec.description,
    subject: context.patient,
    period: { start: toDate(spec.startMs) },
    created: toInstant(Math.min(spec.startMs, context.referenceMs)),
    author: displayReference(spec.author),
    ...(spec.encounterId ? { encounter: localReference('Encounter', spec.encounterId) } : {}),
    activity: spec.recommendations.map((description) => ({
      detail: { status: 'not-started', description },
    })),
  };
}

export interface ResuscitationSpec {
  readonly decision: keyof typeof RESUSCITATION_DECISIONS;
  readonly text: string;
  readonly startMs: number;
  readonly author: string;
}

/** A resuscitation decision (DNACPR or for CPR) as a clinical Flag: how UK systems raise it on opening a record. */
export function buildResuscitationFlag(context: RecordContext, spec: ResuscitationSpec): Flag {
  return {
    resourceType: 'Flag',
    id: context.nextId('Flag'),
    meta: resourceMeta(context, spec.startMs),
    status: 'active',
    category: [coded(FLAG_CATEGORY, 'clinical', 'Clinical')],
    code: { ...RESUSCITATION_DECISIONS[spec.decision], text: spec.text },
    subject: context.patient,
    period: { start: toDate(spec.startMs) },
    author: displayReference(spec.author),
  };
}
