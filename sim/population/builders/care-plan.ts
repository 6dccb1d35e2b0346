import type { CarePlan, Coding } from '@medplum/fhirtypes';
import { toDate, toInstant } from '../clock';
import { textOnly } from '../code-systems';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

export type CarePlanActivityStatus = 'not-started' | 'scheduled' | 'in-progress' | 'completed' | 'on-hold';

export interface CarePlanSpec {
  readonly title: string;
  /** e.g. 'Care Programme Approach care plan', 'Crisis and contingency plan'. */
  readonly category: string;
  readonly description: string;
  readonly status: 'active' | 'completed' | 'revoked' | 'draft';
  readonly startMs: number;
  readonly endMs?: number;
  readonly author: string;
  readonly careTeamId?: string;
  /** Conditions of the same node's record that the plan addresses. */
  readonly addresses?: readonly string[];
  readonly activities: readonly { readonly description: string; readonly status: CarePlanActivityStatus }[];
  readonly security?: readonly Coding[];
}

export function buildCarePlan(context: RecordContext, spec: CarePlanSpec): CarePlan {
  const carePlan: CarePlan = {
    resourceType: 'CarePlan',
    id: context.nextId('CarePlan'),
    meta: resourceMeta(context, spec.startMs, spec.security),
    status: spec.status,
    intent: 'plan',
    category: [textOnly(spec.category)],
    title: spec.title,
    description: spec.description,
    subject: context.patient,
    period: {
      start: toDate(spec.startMs),
      ...(spec.endMs === undefined ? {} : { end: toDate(spec.endMs) }),
    },
    created: toInstant(Math.min(spec.startMs, context.referenceMs)),
    author: displayReference(spec.author),
    activity: spec.activities.map((activity) => ({
      detail: { status: activity.status, description: activity.description },
    })),
  };
  if (spec.careTeamId) carePlan.careTeam = [localReference('CareTeam', spec.careTeamId)];
  if (spec.addresses && spec.addresses.length > 0) {
    carePlan.addresses = spec.addresses.map((id) => localReference('Condition', id));
  }
  return carePlan;
}
