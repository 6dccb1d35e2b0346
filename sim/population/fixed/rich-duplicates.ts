import { DOSAGES } from '../catalogue/dosages';

/**
 * The facts 9000000009's record repeats across nodes, on purpose, so the broker's duplicate grouping has
 * something real to find — and the near-misses it must not group. Dates read as with the default reference
 * date (2026-11-01T09:00:00Z) and shift by whole days with another.
 */
export const RICH_DUPLICATES = {
  /** gp and acute: same dm+d code, same dose, same start date. */
  metformin: { medication: 'metformin-500', dosage: DOSAGES.oneTwiceDailyWithFood, start: '2012-07-02' },
  /** gp, acute and neighbouring-ics: same SNOMED CT substance (Penicillin 764146007). */
  penicillin: { allergen: 'penicillin', onset: '1998-05-20', reactionIndex: 0 },
  /** gp and neighbouring-ics: same SNOMED CT code (44054006) and onset date. */
  diabetes: { problem: 'type-2-diabetes', onset: '2012-06-18' },
  /** gp and acute: same LOINC code (59261-8), effective time and value. */
  hba1c: { test: 'hba1c', effective: '2026-09-14T09:32:00Z', issued: '2026-09-14T15:05:00Z', value: 58 },
} as const;

export const RICH_NEAR_MISSES = {
  /** gp: Amlodipine 5mg tablets one daily; acute: the same product and start date, two daily (10 mg). */
  amlodipine: {
    medication: 'amlodipine-5',
    start: '2009-03-01',
    gpDosage: DOSAGES.oneDaily,
    acuteDosage: DOSAGES.twoDaily,
  },
  /** gp and neighbouring-ics have type 2 diabetes from 2012-06-18; acute recorded it from 2013-01-09. */
  diabetesOnsetAtAcute: '2013-01-09',
} as const;
