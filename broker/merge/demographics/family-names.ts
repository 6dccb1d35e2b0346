import type { HumanName, Patient } from '@medplum/fhirtypes';

/** A patient's family names, normalised: those in use now, and every one including previous names. */
export interface FamilyNames {
  readonly current: ReadonlySet<string>;
  readonly all: ReadonlySet<string>;
}

const NOT_A_LEGAL_NAME = new Set<HumanName['use']>(['nickname', 'anonymous', 'temp']);
const PREVIOUS = new Set<HumanName['use']>(['old', 'maiden']);

/**
 * A family name with the ordinary variation between systems taken out: case, accents and other
 * diacritics, hyphens, spaces and apostrophes (`O'Brien-Smythe` and `obrien smythe` agree).
 */
export function normaliseFamilyName(family: string): string {
  return family
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** A name recorded as no longer in use: `use = old` (or maiden), or a period that has ended. */
function isPrevious(name: HumanName, now: Date): boolean {
  if (PREVIOUS.has(name.use)) return true;
  const end = name.period?.end ? Date.parse(name.period.end) : NaN;
  return !Number.isNaN(end) && end < now.getTime();
}

export function familyNames(patient: Patient, now: Date): FamilyNames {
  const current = new Set<string>();
  const all = new Set<string>();
  for (const name of patient.name ?? []) {
    if (NOT_A_LEGAL_NAME.has(name.use) || !name.family) continue;
    const family = normaliseFamilyName(name.family);
    if (!family) continue;
    all.add(family);
    if (!isPrevious(name, now)) current.add(family);
  }
  return { current, all };
}

function meets(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const value of a) if (b.has(value)) return true;
  return false;
}

/**
 * Two patients' family names agree when one's current name is any name of the other's, so that a
 * surname changed in one system and kept as a previous name in it agrees with the other's old one.
 */
export function familyNamesAgree(a: FamilyNames, b: FamilyNames): boolean {
  return meets(a.current, b.all) || meets(b.current, a.all);
}
