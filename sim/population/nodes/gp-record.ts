import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { GP_ALERTS } from '../catalogue/alerts';
import { MEDICATIONS } from '../catalogue/medications';
import { PATHOLOGY_PANELS, PATHOLOGY_TESTS, type PathologyPanelKey } from '../catalogue/pathology';
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
import { DAY_MS, HOUR_MS, MINUTE_MS, toDate } from '../clock';
import { sensitivityLabel } from '../code-systems';
import { drawLabValue } from '../draw-lab-value';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';

const LAB = 'Riverside University Hospitals NHS Trust - Pathology';

/** Which routine blood panels a GP requests for which problems. */
const MONITORING: Partial<Record<ProblemKey, readonly PathologyPanelKey[]>> = {
  'type-2-diabetes': ['diabetes', 'urea-electrolytes', 'lipids'],
  'type-1-diabetes': ['diabetes', 'urea-electrolytes'],
  hypertension: ['urea-electrolytes'],
  'chronic-kidney-disease': ['urea-electrolytes', 'full-blood-count'],
  hypothyroidism: ['thyroid'],
  anaemia: ['full-blood-count', 'iron'],
  hyperlipidaemia: ['lipids', 'liver-function'],
  'heart-failure': ['urea-electrolytes'],
  'atrial-fibrillation': ['urea-electrolytes', 'full-blood-count'],
};

/** A GP practice's record of one generated person: problems, repeats, allergies, results, alerts. */
export function buildGpRecord(context: RecordContext, profile: PersonProfile, random: Random): Resource[] {
  const now = context.referenceMs;
  const clinician = (): string => random.pick(context.organisation.clinicians);
  const problemKeys = [...profile.problems, ...profile.mentalHealthProblems].map((p) => p.key);
  const resources: Resource[] = [];

  for (const problem of [...profile.problems, ...profile.mentalHealthProblems]) {
    const concept = PROBLEMS[problem.key];
    resources.push(
      buildCondition(context, {
        code: concept.code,
        display: concept.display,
        clinicalStatus: concept.kind === 'past-event' ? 'inactive' : 'active',
        category: 'problem-list-item',
        onset: toDate(problem.onsetMs),
        recordedMs: problem.onsetMs + random.int(0, 21) * DAY_MS + 10 * HOUR_MS,
        recorder: clinician(),
        ...(concept.sensitivity ? { security: [sensitivityLabel(concept.sensitivity)] } : {}),
      }),
    );
  }

  for (const medication of profile.medications) {
    const concept = MEDICATIONS[medication.key];
    resources.push(
      buildMedicationStatement(context, {
        medication: concept,
        dosage: concept.dosages[medication.dosageIndex] ?? concept.dosages[0]!,
        status: 'active',
        category: 'community',
        start: toDate(medication.startMs),
        assertedMs: Math.max(medication.startMs, now - random.int(5, 80) * DAY_MS),
        prescriber: clinician(),
        note: 'Repeat prescription',
      }),
    );
  }
  if (
    !profile.allergies.some((a) => a.key === 'penicillin' || a.key === 'amoxicillin') &&
    random.chance(0.35)
  ) {
    const startMs = now - random.int(20, 700) * DAY_MS;
    const course = MEDICATIONS['amoxicillin-250'];
    resources.push(
      buildMedicationStatement(context, {
        medication: course,
        dosage: course.dosages[0]!,
        status: 'completed',
        category: 'community',
        start: toDate(startMs),
        end: toDate(startMs + course.courseDays * DAY_MS),
        assertedMs: startMs + 9 * HOUR_MS,
        prescriber: clinician(),
        note: 'Acute prescription',
      }),
    );
  }

  for (const allergy of profile.allergies) {
    resources.push(
      buildAllergyIntolerance(context, {
        allergen: ALLERGENS[allergy.key],
        reactionIndex: allergy.reactionIndex,
        clinicalStatus: 'active',
        verificationStatus: random.chance(0.85) ? 'confirmed' : 'unconfirmed',
        onset: toDate(allergy.onsetMs),
        recordedMs: allergy.onsetMs + random.int(1, 30) * DAY_MS,
        recorder: clinician(),
      }),
    );
  }

  const panels = new Set<PathologyPanelKey>(problemKeys.flatMap((key) => MONITORING[key] ?? []));
  if (profile.age >= 40 && random.chance(0.4)) panels.add('full-blood-count').add('liver-function');
  for (const panel of panels) {
    const rounds = random.int(1, 2);
    for (let round = 0; round < rounds; round++) {
      const takenMs =
        now - random.int(round * 180 + 10, round * 180 + 170) * DAY_MS + random.int(8, 11) * HOUR_MS;
      for (const key of PATHOLOGY_PANELS[panel]) {
        resources.push(
          buildLabObservation(context, PATHOLOGY_TESTS[key], drawLabValue(random, key, problemKeys), {
            effectiveMs: takenMs,
            issuedMs: takenMs + random.int(6, 30) * HOUR_MS,
            performer: LAB,
          }),
        );
      }
    }
  }

  if (profile.age >= 18) {
    const hypertensive = problemKeys.includes('hypertension');
    for (let i = 0, readings = random.int(1, 3); i < readings; i++) {
      const atMs = now - random.int(i * 120 + 5, i * 120 + 115) * DAY_MS + random.int(9, 17) * HOUR_MS;
      const systolic = random.normal(hypertensive ? 148 : 126, 11);
      resources.push(
        buildBloodPressureObservation(context, systolic, systolic * random.float(0.58, 0.66), {
          effectiveMs: atMs,
          performer: clinician(),
        }),
      );
    }
    const measuredMs = now - random.int(10, 400) * DAY_MS + 10 * HOUR_MS;
    const heightCm = random.normal(context.person.gender === 'female' ? 163 : 176, 7);
    const bmi = random.normal(problemKeys.includes('obesity') ? 34 : 26.5, 3.5);
    const weightKg = (bmi * heightCm * heightCm) / 10_000;
    const measured = { effectiveMs: measuredMs, performer: clinician() };
    resources.push(
      buildVitalSignObservation(context, VITAL_SIGNS.bodyHeight, heightCm, measured),
      buildVitalSignObservation(context, VITAL_SIGNS.bodyWeight, weightKg, measured),
      buildVitalSignObservation(context, VITAL_SIGNS.bodyMassIndex, bmi, measured),
    );
  }

  const reviewProblem = profile.problems[0];
  const pastMs = now - random.int(14, 200) * DAY_MS;
  const pastStartMs = Math.floor((pastMs + random.int(8, 16) * HOUR_MS) / (10 * MINUTE_MS)) * 10 * MINUTE_MS;
  resources.push(
    buildAppointment(context, {
      status: random.chance(0.9) ? 'fulfilled' : 'noshow',
      appointmentType: 'ROUTINE',
      service: 'General practice',
      description: reviewProblem ? `${PROBLEMS[reviewProblem.key].display} review` : 'GP consultation',
      startMs: pastStartMs,
      minutes: 10,
      createdMs: pastStartMs - random.int(1, 14) * DAY_MS,
      clinician: clinician(),
    }),
  );
  if (reviewProblem && random.chance(0.6)) {
    const startMs =
      Math.floor((now + random.int(3, 60) * DAY_MS) / DAY_MS) * DAY_MS + random.int(16, 32) * 30 * MINUTE_MS;
    resources.push(
      buildAppointment(context, {
        status: 'booked',
        appointmentType: 'CHECKUP',
        service: 'Practice nurse',
        description: `Annual ${PROBLEMS[reviewProblem.key].display.toLowerCase()} review`,
        startMs,
        minutes: 20,
        createdMs: now - random.int(1, 20) * DAY_MS,
        clinician: 'Nurse Helen Brooks',
      }),
    );
  }

  for (const key of profile.alerts) {
    const alert = GP_ALERTS[key];
    resources.push(
      buildFlag(context, {
        category: alert.category,
        text: alert.text,
        ...('snomed' in alert ? { snomed: alert.snomed } : {}),
        status: 'active',
        startMs: now - random.int(30, 3000) * DAY_MS,
        author: clinician(),
      }),
    );
  }
  return resources;
}
