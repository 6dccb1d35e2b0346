import type { Timing } from '@medplum/fhirtypes';

type EventTiming = NonNullable<NonNullable<Timing['repeat']>['when']>[number];

/** A dosage instruction as a GP system records it: the text a person reads and its structured form. */
export interface DosageSpec {
  readonly text: string;
  /** Units of the product's dose form per administration (tablets, capsules, puffs). */
  readonly dose: number;
  readonly frequency: number;
  readonly period: number;
  readonly periodUnit: 'h' | 'd' | 'wk';
  readonly when?: readonly EventTiming[];
  readonly asNeeded?: boolean;
}

function daily(text: string, dose: number, frequency: number, when?: readonly EventTiming[]): DosageSpec {
  return { text, dose, frequency, period: 1, periodUnit: 'd', ...(when ? { when } : {}) };
}

function whenRequired(text: string, dose: number, maxPerDay: number): DosageSpec {
  return { text, dose, frequency: maxPerDay, period: 1, periodUnit: 'd', asNeeded: true };
}

export const DOSAGES = {
  oneDaily: daily('One tablet once a day', 1, 1),
  twoDaily: daily('Two tablets once a day', 2, 1),
  oneMorning: daily('One tablet each morning', 1, 1, ['MORN']),
  oneNight: daily('One tablet at night', 1, 1, ['HS']),
  oneTwiceDaily: daily('One tablet twice a day', 1, 2),
  oneTwiceDailyWithFood: daily('One tablet twice a day with meals', 1, 2, ['C']),
  twoTwiceDailyWithFood: daily('Two tablets twice a day with meals', 2, 2, ['C']),
  oneCapsuleDaily: daily('One capsule once a day', 1, 1),
  twoCapsulesDaily: daily('Two capsules once a day', 2, 1),
  oneCapsuleThreeTimes: daily('One capsule three times a day for 5 days', 1, 3),
  twoPuffsTwiceDaily: daily('Two puffs twice a day', 2, 2),
  paracetamolWhenRequired: whenRequired('Two tablets up to four times a day when required for pain', 2, 4),
  ibuprofenWhenRequired: whenRequired('Two tablets three times a day with food when required', 2, 3),
  puffsWhenRequired: whenRequired('Two puffs up to four times a day when required for breathlessness', 2, 4),
  diazepamWhenRequired: whenRequired('One tablet up to three times a day when required for anxiety', 1, 3),
  temazepamWhenRequired: whenRequired('One tablet at night when required', 1, 1),
} as const satisfies Record<string, DosageSpec>;
