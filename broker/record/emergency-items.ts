import type { CarePlan, Flag, Resource } from '@medplum/fhirtypes';
import { codeFamily } from '../merge/grouping/code-key';
import { referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { RecordItem } from './record-types';

/**
 * Resuscitation decisions, recorded as a Flag (SNOMED CT). UK Core has no profile for them; GP systems and
 * the Summary Care Record raise a DNACPR decision as an alert on opening the record, and `Consent` is this
 * broker's objection register (`/fhir/Consent`), so a decision is a Flag whose code is one of these.
 */
export const RESUSCITATION_CODES: ReadonlySet<string> = new Set([
  '304253006', // Not for resuscitation
  '450476008', // Not for attempted cardiopulmonary resuscitation
  '304252001', // For resuscitation
]);

/**
 * Care plans an ambulance crew needs first, by their SNOMED CT category: treatment escalation (ReSPECT),
 * advance care (a Universal Care Plan) and end of life care plans.
 */
export const EMERGENCY_PLAN_CATEGORIES: ReadonlySet<string> = new Set([
  '735324008', // Treatment escalation plan
  '736366004', // Advance care plan
  '736373009', // End of life care plan
]);

const coded = (
  concepts: readonly ({ coding?: { system?: string; code?: string }[] } | undefined)[],
  codes: ReadonlySet<string>,
): boolean =>
  concepts.some((c) => c?.coding?.some((x) => codeFamily(x.system) === 'sct' && codes.has(x.code ?? '')));

/** Which kind of emergency item a resource is, if any: only an active decision or plan counts. */
export function emergencyKind(resource: Resource): 'resuscitation' | 'care-plan' | undefined {
  if (
    resource.resourceType === 'Flag' &&
    resource.status === 'active' &&
    coded([resource.code], RESUSCITATION_CODES)
  )
    return 'resuscitation';
  if (
    resource.resourceType === 'CarePlan' &&
    resource.status === 'active' &&
    coded(resource.category ?? [], EMERGENCY_PLAN_CATEGORIES)
  )
    return 'care-plan';
  return undefined;
}

/**
 * The record's emergency items, at its top: resuscitation decisions first, then emergency care plans,
 * each newest first, with its author. The items stay in their own sections as well.
 */
export function emergencyItems(
  built: readonly { readonly item: RecordItem; readonly resource: Resource }[],
  ctx: ReaderContext,
): RecordItem[] {
  const time = (item: RecordItem): number => (item.date ? Date.parse(item.date) || 0 : 0);
  const of = (kind: 'resuscitation' | 'care-plan'): RecordItem[] =>
    built
      .filter(({ resource }) => emergencyKind(resource) === kind)
      .map(({ item, resource }) => {
        const author = referenceText((resource as Flag | CarePlan).author, ctx.resolve);
        return { ...item, ...(author ? { author } : {}) };
      })
      .sort((a, b) => time(b) - time(a));
  return [...of('resuscitation'), ...of('care-plan')];
}
