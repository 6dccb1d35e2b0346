import { PATHOLOGY_TESTS, type PathologyKey } from './catalogue/pathology';
import type { ProblemKey } from './catalogue/problems';
import type { PhysiologyPattern } from './catalogue/presentations';
import type { Random } from './random';

/** How a condition moves a result: a new centre for the draw. */
const PROBLEM_EFFECTS: Partial<Record<ProblemKey, Partial<Record<PathologyKey, number>>>> = {
  'type-2-diabetes': { hba1c: 58, glucose: 8.4, triglyceride: 2.1 },
  'type-1-diabetes': { hba1c: 64, glucose: 9.5 },
  'chronic-kidney-disease': { egfr: 42, creatinine: 138, urea: 9.2, haemoglobin: 118 },
  hypothyroidism: { tsh: 3.4, 'free-t4': 14 },
  anaemia: { haemoglobin: 104, ferritin: 12, mcv: 78 },
  hyperlipidaemia: { cholesterol: 6.3 },
  'heart-failure': { sodium: 134, egfr: 55 },
};

const PRESENTATION_EFFECTS: Partial<Record<PhysiologyPattern, Partial<Record<PathologyKey, number>>>> = {
  septic: { wbc: 16.5, crp: 145, urea: 9.8 },
  respiratory: { wbc: 11.8, crp: 38 },
  cardiac: { troponin: 9 },
  hypoglycaemic: { glucose: 2.7 },
};

/** A result for this person: the population's spread, moved by their conditions or presentation. */
export function drawLabValue(
  random: Random,
  key: PathologyKey,
  problems: readonly ProblemKey[],
  pattern?: PhysiologyPattern,
): number {
  const test = PATHOLOGY_TESTS[key];
  let centre: number = test.mean;
  for (const problem of problems) centre = PROBLEM_EFFECTS[problem]?.[key] ?? centre;
  if (pattern) centre = PRESENTATION_EFFECTS[pattern]?.[key] ?? centre;
  const spread = centre === test.mean ? test.sd : Math.max(test.sd * 0.6, Math.abs(centre) * 0.08);
  const floor = 10 ** -test.decimals;
  return Math.max(floor, random.normal(centre, spread));
}
