import type { AllergyIntolerance } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../../core/source-contract';
import { codeFamily, statusCode } from '../grouping/code-key';
import { entryReference, type MergedEntry } from '../merged-entry';
import { conceptDisplay, listOf, sourceLabel, type Disagreement } from './disagreement';

type AllergyCategory = NonNullable<AllergyIntolerance['category']>[number];

/** SNOMED CT "no known …" findings, and the allergy category each rules out (null: every category). */
const NO_KNOWN_ALLERGY: ReadonlyMap<string, AllergyCategory | null> = new Map([
  ['716186003', null], // No known allergy
  ['409137002', 'medication'], // No known drug allergy
  ['429625007', 'food'], // No known food allergy
  ['428607008', 'environment'], // No known environmental allergy
  ['428197003', 'environment'], // No known insect allergy
]);

function noKnownAllergyScope(allergy: AllergyIntolerance): AllergyCategory | null | undefined {
  const coding = allergy.code?.coding?.find(
    (c) => codeFamily(c.system) === 'sct' && NO_KNOWN_ALLERGY.has(c.code ?? ''),
  );
  return coding ? NO_KNOWN_ALLERGY.get(coding.code!) : undefined;
}

/** Stated, current and not withdrawn: an allergy (or a "no known allergy") that a source holds to be true now. */
function current(allergy: AllergyIntolerance): boolean {
  const clinical = statusCode(allergy.clinicalStatus, 'allergyintolerance-clinical');
  const verification = statusCode(allergy.verificationStatus, 'allergyintolerance-verification');
  return (
    (clinical === undefined || clinical === 'active') &&
    verification !== 'refuted' &&
    verification !== 'entered-in-error'
  );
}

/**
 * One disagreement for each source that records "no known allergies" (of a kind) while another source
 * records a current allergy of that kind (an allergy without a category counts against every kind).
 */
export function allergyDisagreements(
  entries: readonly MergedEntry[],
  sources: ReadonlyMap<string, SourceDescriptor>,
): Disagreement[] {
  const allergies = entries.filter(
    (e): e is MergedEntry & { resource: AllergyIntolerance } =>
      e.resource.resourceType === 'AllergyIntolerance' && current(e.resource),
  );
  const disagreements: Disagreement[] = [];
  const reported = new Set<string>();
  for (const none of allergies) {
    const scope = noKnownAllergyScope(none.resource);
    if (scope === undefined || reported.has(`${none.sourceId}|${scope}`)) continue;
    const against = allergies.filter(
      (a) =>
        a.sourceId !== none.sourceId &&
        noKnownAllergyScope(a.resource) === undefined &&
        (scope === null || !a.resource.category?.length || a.resource.category.includes(scope)),
    );
    if (against.length === 0) continue;
    reported.add(`${none.sourceId}|${scope}`);
    const bySource = new Map<string, Set<string>>();
    for (const a of against) {
      const set = bySource.get(a.sourceId) ?? new Set<string>();
      set.add(conceptDisplay(a.resource.code));
      bySource.set(a.sourceId, set);
    }
    const label = (id: string): string => {
      const source = sources.get(id);
      return source ? sourceLabel(source) : id;
    };
    const sides = [...bySource].map(([id, substances]) => `${label(id)} records ${listOf([...substances])}`);
    disagreements.push({
      kind: 'allergy-disagreement',
      text: `Allergy records disagree: ${label(none.sourceId)} records ${conceptDisplay(none.resource.code)}, while ${listOf(sides)}.`,
      sourceIds: [none.sourceId, ...bySource.keys()],
      references: [entryReference(none), ...against.map(entryReference)],
    });
  }
  return disagreements;
}
