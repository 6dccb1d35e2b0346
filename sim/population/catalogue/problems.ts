import type { SensitivityCode } from '../code-systems';
import type { MedicationKey } from './medications';

/** How a problem behaves in a record: long-term (GP problem list), mental health, or a past event. */
export type ProblemKind = 'long-term' | 'mental-health' | 'past-event';

export interface ProblemConcept {
  /** SNOMED CT concept id. */
  readonly code: string;
  readonly display: string;
  readonly kind: ProblemKind;
  /** Youngest age at which the problem is generated. */
  readonly minAge: number;
  /** Relative frequency among people old enough. */
  readonly weight: number;
  /** Typical repeat medications, first is the usual first line. */
  readonly medications: readonly MedicationKey[];
  /** Sources label these items as sensitive. */
  readonly sensitivity?: SensitivityCode;
}

function concept(kind: ProblemKind) {
  return (
    code: string,
    display: string,
    minAge: number,
    weight: number,
    medications: readonly MedicationKey[] = [],
  ): ProblemConcept => ({ code, display, kind, minAge, weight, medications });
}
const longTerm = concept('long-term');
const mentalHealth = concept('mental-health');
const pastEvent = concept('past-event');

/** Problems a GP problem list or a mental health trust holds. Codes are SNOMED CT disorders/findings. */
export const PROBLEMS = {
  'type-2-diabetes': longTerm('44054006', 'Type 2 diabetes mellitus', 30, 9, [
    'metformin-500',
    'atorvastatin-10',
  ]),
  'type-1-diabetes': longTerm('46635009', 'Type 1 diabetes mellitus', 5, 1),
  hypertension: longTerm('38341003', 'Hypertensive disorder', 35, 14, [
    'amlodipine-5',
    'ramipril-2.5',
    'lisinopril-10',
    'losartan-50',
    'candesartan-8',
  ]),
  asthma: longTerm('195967001', 'Asthma', 3, 9, ['salbutamol-inhaler', 'beclometasone-inhaler']),
  copd: longTerm('13645005', 'Chronic obstructive lung disease', 45, 4, ['salbutamol-inhaler']),
  'atrial-fibrillation': longTerm('49436004', 'Atrial fibrillation', 55, 4, ['bisoprolol-5']),
  'heart-failure': longTerm('84114007', 'Heart failure', 55, 2, [
    'furosemide-40',
    'bisoprolol-5',
    'ramipril-2.5',
    'spironolactone-25',
  ]),
  'coronary-heart-disease': longTerm('53741008', 'Coronary arteriosclerosis', 45, 4, [
    'atorvastatin-10',
    'isosorbide-mononitrate-20',
    'bisoprolol-10',
  ]),
  'chronic-kidney-disease': longTerm('709044004', 'Chronic kidney disease', 50, 3),
  hyperlipidaemia: longTerm('55822004', 'Hyperlipidemia', 35, 6, ['simvastatin-40', 'atorvastatin-10']),
  hypothyroidism: longTerm('40930008', 'Hypothyroidism', 20, 4, ['levothyroxine-100']),
  osteoarthritis: longTerm('396275006', 'Osteoarthritis', 45, 7, ['paracetamol-500', 'ibuprofen-200']),
  'osteoarthritis-knee': longTerm('239873007', 'Osteoarthritis of knee', 45, 3, ['paracetamol-500']),
  'rheumatoid-arthritis': longTerm('69896004', 'Rheumatoid arthritis', 25, 1, ['paracetamol-500']),
  osteoporosis: longTerm('64859006', 'Osteoporosis', 55, 2),
  epilepsy: longTerm('84757009', 'Epilepsy', 2, 1),
  migraine: longTerm('37796009', 'Migraine', 12, 4, ['ibuprofen-200']),
  gord: longTerm('235595009', 'Gastroesophageal reflux disease', 20, 4),
  obesity: longTerm('414916001', 'Obesity', 16, 5),
  anaemia: longTerm('271737000', 'Anemia', 16, 2),
  'low-back-pain': longTerm('279039007', 'Low back pain', 20, 4, ['paracetamol-500', 'morphine-mr-10']),
  onychomycosis: longTerm('414941008', 'Onychomycosis', 30, 1, ['terbinafine-250']),
  dementia: longTerm('52448006', 'Dementia', 70, 2),
  parkinsons: longTerm('49049000', "Parkinson's disease", 60, 1),
  insomnia: longTerm('193462001', 'Insomnia', 18, 2, ['temazepam-10']),
  'stroke-history': pastEvent('230690007', 'Cerebrovascular accident', 50, 2, ['atorvastatin-10']),
  'myocardial-infarction-history': pastEvent('22298006', 'Myocardial infarction', 45, 2, [
    'atorvastatin-10',
    'bisoprolol-5',
    'ramipril-2.5',
  ]),
  depression: mentalHealth('35489007', 'Depressive disorder', 14, 10, ['citalopram-20']),
  'recurrent-depression': mentalHealth('66344007', 'Recurrent major depression', 18, 3, ['citalopram-20']),
  'generalised-anxiety': mentalHealth('21897009', 'Generalized anxiety disorder', 14, 7, ['diazepam-2']),
  'bipolar-disorder': mentalHealth('13746004', 'Bipolar disorder', 18, 3),
  schizophrenia: mentalHealth('58214004', 'Schizophrenia', 18, 2),
  ptsd: mentalHealth('47505003', 'Posttraumatic stress disorder', 16, 2),
  'borderline-personality': mentalHealth('20010003', 'Borderline personality disorder', 18, 2),
  'anorexia-nervosa': mentalHealth('56882008', 'Anorexia nervosa', 12, 1),
  'alcohol-dependence': { ...mentalHealth('7200002', 'Alcoholism', 18, 2), sensitivity: 'ETH' },
} as const satisfies Record<string, ProblemConcept>;

export type ProblemKey = keyof typeof PROBLEMS;

export const PROBLEM_KEYS = Object.keys(PROBLEMS) as ProblemKey[];

export function problemConcept(key: ProblemKey): ProblemConcept {
  return PROBLEMS[key];
}

/** Problems of one kind that suit a person of this age. */
export function problemsFor(kind: ProblemKind, age: number): ProblemKey[] {
  return PROBLEM_KEYS.filter((key) => PROBLEMS[key].kind === kind && PROBLEMS[key].minAge <= age);
}
