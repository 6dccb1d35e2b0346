/** Reactions (clinical findings) an allergy or intolerance manifests as. SNOMED CT. */
export const MANIFESTATIONS = {
  rash: { code: '271807003', display: 'Eruption of skin' },
  urticaria: { code: '126485001', display: 'Urticaria' },
  anaphylaxis: { code: '39579001', display: 'Anaphylaxis' },
  angioedema: { code: '41291007', display: 'Angioedema' },
  nausea: { code: '422587007', display: 'Nausea' },
  vomiting: { code: '422400008', display: 'Vomiting' },
  diarrhoea: { code: '62315008', display: 'Diarrhea' },
  dyspnoea: { code: '267036007', display: 'Dyspnea' },
  itching: { code: '418290006', display: 'Itching' },
  rhinitis: { code: '70076002', display: 'Rhinitis' },
  wheeze: { code: '56018004', display: 'Wheezing' },
} as const;
export type ManifestationKey = keyof typeof MANIFESTATIONS;

export interface AllergenConcept {
  /** SNOMED CT substance. */
  readonly code: string;
  readonly display: string;
  readonly category: 'medication' | 'food' | 'environment' | 'biologic';
  readonly type: 'allergy' | 'intolerance';
  /** Possible reactions with their usual severity. */
  readonly reactions: readonly {
    manifestation: ManifestationKey;
    severity: 'mild' | 'moderate' | 'severe';
  }[];
  readonly weight: number;
}

export const ALLERGENS = {
  penicillin: {
    code: '764146007',
    display: 'Penicillin',
    category: 'medication',
    type: 'allergy',
    reactions: [
      { manifestation: 'rash', severity: 'moderate' },
      { manifestation: 'urticaria', severity: 'moderate' },
      { manifestation: 'anaphylaxis', severity: 'severe' },
    ],
    weight: 10,
  },
  amoxicillin: {
    code: '372687004',
    display: 'Amoxicillin',
    category: 'medication',
    type: 'allergy',
    reactions: [{ manifestation: 'rash', severity: 'mild' }],
    weight: 3,
  },
  aspirin: {
    code: '387458008',
    display: 'Aspirin',
    category: 'medication',
    type: 'allergy',
    reactions: [
      { manifestation: 'wheeze', severity: 'moderate' },
      { manifestation: 'angioedema', severity: 'severe' },
    ],
    weight: 2,
  },
  ibuprofen: {
    code: '387207008',
    display: 'Ibuprofen',
    category: 'medication',
    type: 'intolerance',
    reactions: [{ manifestation: 'nausea', severity: 'mild' }],
    weight: 2,
  },
  codeine: {
    code: '387494007',
    display: 'Codeine',
    category: 'medication',
    type: 'intolerance',
    reactions: [
      { manifestation: 'nausea', severity: 'mild' },
      { manifestation: 'vomiting', severity: 'moderate' },
    ],
    weight: 3,
  },
  morphine: {
    code: '373529000',
    display: 'Morphine',
    category: 'medication',
    type: 'intolerance',
    reactions: [{ manifestation: 'itching', severity: 'mild' }],
    weight: 1,
  },
  erythromycin: {
    code: '372694001',
    display: 'Erythromycin',
    category: 'medication',
    type: 'intolerance',
    reactions: [{ manifestation: 'diarrhoea', severity: 'mild' }],
    weight: 1,
  },
  peanut: {
    code: '256349002',
    display: 'Peanut',
    category: 'food',
    type: 'allergy',
    reactions: [
      { manifestation: 'anaphylaxis', severity: 'severe' },
      { manifestation: 'urticaria', severity: 'moderate' },
    ],
    weight: 3,
  },
  cashew: {
    code: '227493005',
    display: 'Cashew nut',
    category: 'food',
    type: 'allergy',
    reactions: [{ manifestation: 'angioedema', severity: 'severe' }],
    weight: 1,
  },
  egg: {
    code: '102263004',
    display: 'Eggs',
    category: 'food',
    type: 'allergy',
    reactions: [{ manifestation: 'urticaria', severity: 'mild' }],
    weight: 1,
  },
  'cows-milk': {
    code: '3718001',
    display: "Cow's milk",
    category: 'food',
    type: 'intolerance',
    reactions: [{ manifestation: 'diarrhoea', severity: 'mild' }],
    weight: 1,
  },
  latex: {
    code: '111088007',
    display: 'Latex',
    category: 'environment',
    type: 'allergy',
    reactions: [{ manifestation: 'urticaria', severity: 'moderate' }],
    weight: 2,
  },
  'bee-venom': {
    code: '288328004',
    display: 'Bee venom',
    category: 'environment',
    type: 'allergy',
    reactions: [{ manifestation: 'anaphylaxis', severity: 'severe' }],
    weight: 1,
  },
  pollen: {
    code: '256259004',
    display: 'Pollen',
    category: 'environment',
    type: 'allergy',
    reactions: [{ manifestation: 'rhinitis', severity: 'mild' }],
    weight: 3,
  },
} as const satisfies Record<string, AllergenConcept>;

export type AllergenKey = keyof typeof ALLERGENS;
export const ALLERGEN_KEYS = Object.keys(ALLERGENS) as AllergenKey[];

export function allergenConcept(key: AllergenKey): AllergenConcept {
  return ALLERGENS[key];
}
