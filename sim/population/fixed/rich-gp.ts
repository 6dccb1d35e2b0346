import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { DOSAGES, type DosageSpec } from '../catalogue/dosages';
import { MEDICATIONS, type MedicationKey } from '../catalogue/medications';
import { PATHOLOGY_TESTS, type PathologyKey } from '../catalogue/pathology';
import { PROBLEMS, type ProblemKey } from '../catalogue/problems';
import { VITAL_SIGNS } from '../catalogue/vital-signs';
import { buildAllergyIntolerance } from '../builders/allergy-intolerance';
import { buildAppointment } from '../builders/appointment';
import { buildCondition } from '../builders/condition';
import { buildFlag } from '../builders/flag';
import { buildMedicationStatement } from '../builders/medication-statement';
import {
  buildBloodPressureObservation,
  buildLabObservation,
  buildVitalSignObservation,
} from '../builders/observation';
import { HOUR_MS, createFixedDates } from '../clock';
import type { RecordContext } from '../record-context';
import { RICH_DUPLICATES, RICH_NEAR_MISSES } from './rich-duplicates';

const LAB = 'Riverside University Hospitals NHS Trust - Pathology';
const GP = 'Dr Sarah Okafor';
const NURSE = 'Nurse Helen Brooks';

/** Amelia Clarke's GP record: long-term problems, repeats, allergies, results, appointments, alerts. */
export function buildRichGpRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);

  const problem = (
    key: ProblemKey,
    onset: string,
    clinicalStatus: 'active' | 'inactive' = 'active',
  ): Resource =>
    buildCondition(context, {
      code: PROBLEMS[key].code,
      display: PROBLEMS[key].display,
      clinicalStatus,
      category: 'problem-list-item',
      onset: at.date(onset),
      recordedMs: at.ms(onset) + 10 * HOUR_MS,
      recorder: GP,
    });

  const repeat = (key: MedicationKey, dosage: DosageSpec, start: string): Resource =>
    buildMedicationStatement(context, {
      medication: MEDICATIONS[key],
      dosage,
      status: 'active',
      category: 'community',
      start: at.date(start),
      assertedMs: at.ms('2026-10-05T11:20:00Z'),
      prescriber: GP,
      note: 'Repeat prescription',
    });

  const lab = (key: PathologyKey, value: number, taken: string, issued: string): Resource =>
    buildLabObservation(context, PATHOLOGY_TESTS[key], value, {
      effectiveMs: at.ms(taken),
      issuedMs: at.ms(issued),
      performer: LAB,
    });

  const { metformin, penicillin, diabetes, hba1c } = RICH_DUPLICATES;
  const { amlodipine } = RICH_NEAR_MISSES;
  const june = { taken: '2026-06-10T09:15:00Z', issued: '2026-06-10T16:40:00Z' };

  return [
    problem('type-2-diabetes', diabetes.onset),
    problem('hypertension', '2009-02-10'),
    problem('asthma', '1979-05-14'),
    problem('chronic-kidney-disease', '2021-09-30'),
    problem('osteoarthritis-knee', '2018-11-05'),
    problem('depression', '2019-02-11'),

    repeat('metformin-500', metformin.dosage, metformin.start),
    repeat('amlodipine-5', amlodipine.gpDosage, amlodipine.start),
    repeat('atorvastatin-10', DOSAGES.oneNight, '2012-08-15'),
    repeat('ramipril-2.5', DOSAGES.oneCapsuleDaily, '2010-06-01'),
    repeat('salbutamol-inhaler', DOSAGES.puffsWhenRequired, '2015-01-20'),
    repeat('beclometasone-inhaler', DOSAGES.twoPuffsTwiceDaily, '2015-01-20'),
    repeat('citalopram-20', DOSAGES.oneDaily, '2019-02-11'),
    repeat('paracetamol-500', DOSAGES.paracetamolWhenRequired, '2018-11-05'),

    buildAllergyIntolerance(context, {
      allergen: ALLERGENS[penicillin.allergen],
      reactionIndex: penicillin.reactionIndex,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      onset: at.date(penicillin.onset),
      recordedMs: at.ms('1998-05-22T10:00:00Z'),
      recorder: GP,
    }),
    buildAllergyIntolerance(context, {
      allergen: ALLERGENS.codeine,
      reactionIndex: 1,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      onset: at.date('2016-03-10'),
      recordedMs: at.ms('2016-03-14T11:00:00Z'),
      recorder: 'Dr James Whitfield',
      note: 'Vomiting after co-codamol; use paracetamol alone',
    }),

    lab(hba1c.test, hba1c.value, hba1c.effective, hba1c.issued),
    lab('hba1c', 61, '2026-03-02T09:40:00Z', '2026-03-02T15:10:00Z'),
    lab('hba1c', 63, '2025-09-01T09:05:00Z', '2025-09-01T14:55:00Z'),
    lab('sodium', 139, june.taken, june.issued),
    lab('potassium', 4.6, june.taken, june.issued),
    lab('urea', 7.1, june.taken, june.issued),
    lab('creatinine', 118, june.taken, june.issued),
    lab('egfr', 48, june.taken, june.issued),
    lab('cholesterol', 4.4, june.taken, june.issued),
    lab('hdl', 1.22, june.taken, june.issued),
    lab('triglyceride', 1.9, june.taken, june.issued),

    buildBloodPressureObservation(context, 142, 84, {
      effectiveMs: at.ms('2026-10-05T10:50:00Z'),
      performer: NURSE,
    }),
    buildBloodPressureObservation(context, 146, 88, {
      effectiveMs: at.ms('2026-06-10T09:05:00Z'),
      performer: NURSE,
    }),
    buildVitalSignObservation(context, VITAL_SIGNS.bodyHeight, 162, {
      effectiveMs: at.ms('2026-06-10T09:10:00Z'),
      performer: NURSE,
    }),
    buildVitalSignObservation(context, VITAL_SIGNS.bodyWeight, 78.4, {
      effectiveMs: at.ms('2026-06-10T09:10:00Z'),
      performer: NURSE,
    }),
    buildVitalSignObservation(context, VITAL_SIGNS.bodyMassIndex, 29.9, {
      effectiveMs: at.ms('2026-06-10T09:10:00Z'),
      performer: NURSE,
    }),

    buildAppointment(context, {
      status: 'fulfilled',
      appointmentType: 'CHECKUP',
      service: 'Practice nurse',
      description: 'Diabetes annual review (part 1: bloods and foot check)',
      startMs: at.ms('2026-09-21T10:00:00Z'),
      minutes: 20,
      createdMs: at.ms('2026-09-02T08:45:00Z'),
      clinician: NURSE,
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'FOLLOWUP',
      service: 'General practice',
      description: 'Diabetes annual review (part 2: results and care plan)',
      startMs: at.ms('2026-11-12T09:30:00Z'),
      minutes: 15,
      createdMs: at.ms('2026-09-21T10:25:00Z'),
      clinician: GP,
    }),

    buildFlag(context, {
      category: 'contact',
      text: 'Hearing impaired - face the patient when speaking',
      snomed: { code: '15188001', display: 'Hearing loss' },
      status: 'active',
      startMs: at.ms('2020-01-08T10:00:00Z'),
      author: GP,
    }),
    buildFlag(context, {
      category: 'clinical',
      text: 'Lives alone',
      snomed: { code: '105529008', display: 'Lives alone' },
      status: 'active',
      startMs: at.ms('2022-04-19T10:00:00Z'),
      author: NURSE,
    }),
  ];
}
