import { ALLERGENS, ALLERGEN_KEYS, type AllergenKey } from './catalogue/allergies';
import { GP_ALERTS, GP_ALERT_KEYS, type GpAlertKey } from './catalogue/alerts';
import { MEDICATIONS, type MedicationKey } from './catalogue/medications';
import { PROBLEMS, problemsFor, type ProblemKey } from './catalogue/problems';
import { DAY_MS, YEAR_MS } from './clock';
import { ageAt } from './draw-person';
import type { Random } from './random';
import type { SimPerson } from './types';

export interface ProfileProblem {
  readonly key: ProblemKey;
  readonly onsetMs: number;
}

export interface ProfileMedication {
  readonly key: MedicationKey;
  readonly dosageIndex: number;
  readonly startMs: number;
  readonly problem: ProblemKey;
}

export interface ProfileAllergy {
  readonly key: AllergenKey;
  readonly onsetMs: number;
  readonly reactionIndex: number;
}

/**
 * One person's health story, drawn once and told by every node that knows them, so the GP problem list, the
 * hospital's diagnoses and the mental health trust's conditions agree.
 */
export interface PersonProfile {
  readonly person: SimPerson;
  readonly age: number;
  readonly problems: readonly ProfileProblem[];
  readonly mentalHealthProblems: readonly ProfileProblem[];
  readonly medications: readonly ProfileMedication[];
  readonly allergies: readonly ProfileAllergy[];
  readonly alerts: readonly GpAlertKey[];
}

/** Antibiotic and analgesic allergies rule out the related medicines. */
const CONTRAINDICATED: Partial<Record<AllergenKey, readonly MedicationKey[]>> = {
  penicillin: ['amoxicillin-250'],
  amoxicillin: ['amoxicillin-250'],
  aspirin: ['ibuprofen-200'],
  ibuprofen: ['ibuprofen-200'],
  morphine: ['morphine-mr-10'],
};

function longTermCount(random: Random, age: number): number {
  if (age < 18) return random.int(0, 1);
  if (age < 40) return random.int(0, 2);
  if (age < 65) return random.int(1, 3);
  return random.int(2, 5);
}

function onsetFor(random: Random, person: SimPerson, referenceMs: number, minAge: number): number {
  const birthMs = Date.parse(`${person.birthDate}T00:00:00Z`);
  const earliest = Math.max(birthMs + Math.max(minAge, 1) * YEAR_MS, referenceMs - 30 * YEAR_MS);
  const latest = referenceMs - 60 * DAY_MS;
  return earliest >= latest ? latest : Math.floor(random.float(earliest, latest) / DAY_MS) * DAY_MS;
}

function drawProblems(random: Random, keys: readonly ProblemKey[], count: number): ProblemKey[] {
  const chosen: ProblemKey[] = [];
  let remaining = [...keys];
  while (chosen.length < count && remaining.length > 0) {
    const key = random.pickWeighted(remaining, (k) => PROBLEMS[k].weight);
    chosen.push(key);
    remaining = remaining.filter((k) => k !== key);
  }
  return chosen;
}

export function drawProfile(
  random: Random,
  person: SimPerson,
  referenceMs: number,
  options: { readonly mentalHealthPatient: boolean },
): PersonProfile {
  const age = ageAt(person, referenceMs);
  const physical = [...problemsFor('long-term', age), ...problemsFor('past-event', age)];
  const problems = drawProblems(random, physical, longTermCount(random, age)).map((key) => ({
    key,
    onsetMs: onsetFor(random, person, referenceMs, PROBLEMS[key].minAge),
  }));

  const mentalHealthKeys = problemsFor('mental-health', age);
  const mentalHealthCount = options.mentalHealthPatient ? random.int(1, 2) : random.chance(0.12) ? 1 : 0;
  const mentalHealthProblems = drawProblems(random, mentalHealthKeys, mentalHealthCount).map((key) => ({
    key,
    onsetMs: onsetFor(random, person, referenceMs, PROBLEMS[key].minAge),
  }));

  const allergyCount = random.chance(0.3) ? random.int(1, 2) : 0;
  const allergies = random.sample(ALLERGEN_KEYS, allergyCount).map((key) => ({
    key,
    onsetMs: onsetFor(random, person, referenceMs, 1),
    reactionIndex: random.int(0, ALLERGENS[key].reactions.length - 1),
  }));
  const excluded = new Set(allergies.flatMap((allergy) => CONTRAINDICATED[allergy.key] ?? []));

  const medications: ProfileMedication[] = [];
  for (const problem of [...problems, ...mentalHealthProblems]) {
    const candidates = PROBLEMS[problem.key].medications.filter((key) => !excluded.has(key));
    const taken = random.sample(candidates, random.int(1, Math.min(2, candidates.length)));
    for (const key of taken) {
      if (medications.some((m) => m.key === key)) continue;
      medications.push({
        key,
        dosageIndex: random.int(0, MEDICATIONS[key].dosages.length - 1),
        startMs: Math.min(problem.onsetMs + random.int(7, 120) * DAY_MS, referenceMs - 14 * DAY_MS),
        problem: problem.key,
      });
    }
  }

  const alertCandidates = GP_ALERT_KEYS.filter((key) => GP_ALERTS[key].minAge <= age);
  const alerts = random.chance(0.25) ? random.sample(alertCandidates, random.int(1, 2)) : [];

  return { person, age, problems, mentalHealthProblems, medications, allergies, alerts };
}
