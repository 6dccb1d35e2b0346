import type { Patient } from '@medplum/fhirtypes';
import type { SourceOutcome } from '../../../core/source-contract';
import { familyNames, familyNamesAgree, type FamilyNames } from './family-names';

export const DEMOGRAPHIC_FIELDS = ['birthDate', 'gender', 'family'] as const;
export type DemographicField = (typeof DEMOGRAPHIC_FIELDS)[number];

const FIELD_WORDS: Readonly<Record<DemographicField, string>> = {
  birthDate: 'date of birth',
  gender: 'sex',
  family: 'family name',
};

export interface DemographicCandidate {
  readonly sourceId: string;
  readonly patient: Patient;
}

interface Present<T> {
  readonly sourceId: string;
  readonly value: T;
}

/**
 * The sources that disagree with the reference value of a field: the value most sources agree with,
 * ties going to the higher-priority source. Agreement need not be transitive (a partial date, a
 * previous name), so the reference is a source's value, and each other is compared with it.
 */
function disagreeing<T>(
  values: readonly Present<T>[],
  agree: (a: T, b: T) => boolean,
  authority?: T,
): string[] {
  // The authority's value, when it has one, is the reference: agreement among the sources does not outvote it.
  if (authority !== undefined)
    return values.filter((other) => !agree(authority, other.value)).map((o) => o.sourceId);
  if (values.length < 2) return [];
  let reference = values[0]!;
  let support = -1;
  for (const candidate of values) {
    const count = values.filter((other) => agree(candidate.value, other.value)).length;
    if (count > support) {
      reference = candidate;
      support = count;
    }
  }
  return values.filter((other) => !agree(reference.value, other.value)).map((other) => other.sourceId);
}

function present<T>(
  candidates: readonly DemographicCandidate[],
  read: (patient: Patient) => T | undefined,
): Present<T>[] {
  return candidates.flatMap(({ sourceId, patient }) => {
    const value = read(patient);
    return value === undefined ? [] : [{ sourceId, value }];
  });
}

/** A date of birth agrees with another at the coarser precision of the two (`1957-03` and `1957-03-14`). */
function birthDatesAgree(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Compares the Patient each source returned: date of birth, sex and family name. Candidates come in
 * source priority order. A source whose Patient lacks a field (or says its sex is unknown) cannot
 * disagree on it. Returns, for each source that disagrees, the fields it disagrees on.
 */
export function demographicMismatches(
  candidates: readonly DemographicCandidate[],
  now: Date,
  /** The national demographics service's Patient: when given, each source is compared with it alone. */
  authority?: Patient,
): Map<string, DemographicField[]> {
  const birthDate = (p: Patient): string | undefined => p.birthDate || undefined;
  const gender = (p: Patient): string | undefined =>
    p.gender && p.gender !== 'unknown' ? p.gender : undefined;
  const family = (p: Patient): FamilyNames | undefined => {
    const names = familyNames(p, now);
    return names.all.size > 0 ? names : undefined;
  };
  const mismatches = new Map<string, DemographicField[]>();
  const flag = (field: DemographicField, sourceIds: readonly string[]): void => {
    for (const id of sourceIds) mismatches.set(id, [...(mismatches.get(id) ?? []), field]);
  };
  flag(
    'birthDate',
    disagreeing(present(candidates, birthDate), birthDatesAgree, authority && birthDate(authority)),
  );
  flag(
    'gender',
    disagreeing(present(candidates, gender), (a, b) => a === b, authority && gender(authority)),
  );
  flag(
    'family',
    disagreeing<FamilyNames>(present(candidates, family), familyNamesAgree, authority && family(authority)),
  );
  return mismatches;
}

function fieldList(fields: readonly DemographicField[]): string {
  const words = fields.map((field) => FIELD_WORDS[field]);
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}

/**
 * What the view reports for a source whose patient disagrees: an error naming the fields, never
 * their values (the view must not show another person's details, nor hint at them).
 */
export function demographicMismatchOutcome(
  outcome: SourceOutcome,
  fields: readonly DemographicField[],
  /** The authority the source was checked against, if not the other sources. */
  authority?: string,
): SourceOutcome {
  const verb = fields.length === 1 ? 'does' : 'do';
  return {
    sourceId: outcome.sourceId,
    durationMs: outcome.durationMs,
    status: 'error',
    issue: {
      severity: 'error',
      code: 'business-rule',
      reason: 'demographic-mismatch',
      text: `returned a patient whose ${fieldList(fields)} ${verb} not match ${authority ? `the ${authority}` : 'the other sources'}`,
    },
  };
}
