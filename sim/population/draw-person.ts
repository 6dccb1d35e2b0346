import { DAY_MS, YEAR_MS, toDate } from './clock';
import {
  FAMILY_NAMES,
  FEMALE_GIVEN_NAMES,
  MALE_GIVEN_NAMES,
  POSTCODE_INWARD_LETTERS,
  STREET_NAMES,
  TOWNS,
} from './names';
import type { Random } from './random';
import type { SimAddress, SimPerson } from './types';

/** Ages skew older, as the people a care record is opened for do. */
const AGE_BANDS: readonly { readonly min: number; readonly max: number; readonly weight: number }[] = [
  { min: 0, max: 17, weight: 12 },
  { min: 18, max: 39, weight: 22 },
  { min: 40, max: 64, weight: 30 },
  { min: 65, max: 79, weight: 22 },
  { min: 80, max: 98, weight: 14 },
];

export function drawAddress(random: Random): SimAddress {
  const town = random.pick(TOWNS);
  const letter = (): string =>
    POSTCODE_INWARD_LETTERS[random.int(0, POSTCODE_INWARD_LETTERS.length - 1)] ?? 'A';
  const postalCode = `${town.postcodeArea}${random.int(1, 20)} ${random.int(1, 9)}${letter()}${letter()}`;
  const line = random.chance(0.25)
    ? [`Flat ${random.int(1, 40)}`, `${random.int(1, 120)} ${random.pick(STREET_NAMES)}`]
    : [`${random.int(1, 220)} ${random.pick(STREET_NAMES)}`];
  return { line, city: town.name, postalCode };
}

/** Ofcom drama numbers: 020 7946 0000-0999 and 07700 900000-900999 are never allocated. */
export function drawPhone(random: Random): string {
  return random.chance(0.6)
    ? `07700 900${String(random.int(0, 999)).padStart(3, '0')}`
    : `020 7946 0${String(random.int(0, 999)).padStart(3, '0')}`;
}

export function drawPerson(random: Random, nhsNumber: string, referenceMs: number): SimPerson {
  const gender = random.chance(0.51) ? 'female' : 'male';
  const band = random.pickWeighted(AGE_BANDS, (b) => b.weight);
  const ageDays = random.int(band.min * 365 + 30, band.max * 365 + 330);
  const birthMs = referenceMs - ageDays * DAY_MS;
  return {
    nhsNumber,
    given: random.pick(gender === 'female' ? FEMALE_GIVEN_NAMES : MALE_GIVEN_NAMES),
    family: random.pick(FAMILY_NAMES),
    birthDate: toDate(birthMs),
    gender,
    address: drawAddress(random),
    phone: drawPhone(random),
  };
}

/** Age in whole years at the reference date. */
export function ageAt(person: SimPerson, referenceMs: number): number {
  return Math.floor((referenceMs - Date.parse(`${person.birthDate}T00:00:00Z`)) / YEAR_MS);
}
