import { DOSAGES, type DosageSpec } from './dosages';

/** Route of administration, coded in SNOMED CT. */
export const ROUTES = {
  oral: { code: '26643006', display: 'Oral route' },
  inhaled: { code: '447694001', display: 'Respiratory tract route' },
} as const;
export type RouteKey = keyof typeof ROUTES;

/** The unit one dose is counted in: SNOMED CT units of presentation, or a UCUM annotation for puffs. */
export const DOSE_UNITS = {
  tablet: { system: 'http://snomed.info/sct', code: '732936001', unit: 'tablet' },
  capsule: { system: 'http://snomed.info/sct', code: '732937005', unit: 'capsule' },
  puff: { system: 'http://unitsofmeasure.org', code: '{puff}', unit: 'puff' },
} as const;
export type DoseUnitKey = keyof typeof DOSE_UNITS;

export interface MedicationConcept {
  /** dm+d virtual medicinal product (VMP) id. */
  readonly code: string;
  /** dm+d VMP name. */
  readonly display: string;
  readonly route: RouteKey;
  readonly unit: DoseUnitKey;
  /** Usual instructions; the first is the usual one. */
  readonly dosages: readonly DosageSpec[];
  /** A short course (an acute prescription) rather than a repeat. */
  readonly courseDays?: number;
}

function tablets(code: string, display: string, ...dosages: DosageSpec[]): MedicationConcept {
  return { code, display, route: 'oral', unit: 'tablet', dosages };
}

function capsules(code: string, display: string, ...dosages: DosageSpec[]): MedicationConcept {
  return { code, display, route: 'oral', unit: 'capsule', dosages };
}

function inhaler(code: string, display: string, ...dosages: DosageSpec[]): MedicationConcept {
  return { code, display, route: 'inhaled', unit: 'puff', dosages };
}

/**
 * dm+d products the simulated nodes prescribe. Codes were checked against published NHS examples (EPS, GP
 * Connect) or SNOMED CT clinical drug concepts that dm+d uses as VMP ids.
 */
export const MEDICATIONS = {
  'paracetamol-500': tablets('322236009', 'Paracetamol 500mg tablets', DOSAGES.paracetamolWhenRequired),
  'amlodipine-5': tablets('319773006', 'Amlodipine 5mg tablets', DOSAGES.oneDaily, DOSAGES.twoDaily),
  'metformin-500': tablets(
    '325278007',
    'Metformin 500mg tablets',
    DOSAGES.oneTwiceDailyWithFood,
    DOSAGES.twoTwiceDailyWithFood,
  ),
  'amoxicillin-250': {
    ...capsules('323509004', 'Amoxicillin 250mg capsules', DOSAGES.oneCapsuleThreeTimes),
    courseDays: 5,
  },
  'salbutamol-inhaler': inhaler(
    '39113611000001102',
    'Salbutamol 100micrograms/dose inhaler CFC free',
    DOSAGES.puffsWhenRequired,
  ),
  'beclometasone-inhaler': inhaler(
    '408063002',
    'Beclometasone 100micrograms/dose inhaler CFC free',
    DOSAGES.twoPuffsTwiceDaily,
  ),
  'atorvastatin-10': tablets('320029006', 'Atorvastatin 10mg tablets', DOSAGES.oneNight),
  'simvastatin-40': tablets('320000009', 'Simvastatin 40mg tablets', DOSAGES.oneNight),
  'levothyroxine-100': tablets('374296008', 'Levothyroxine sodium 100microgram tablets', DOSAGES.oneMorning),
  'diazepam-2': tablets('321196004', 'Diazepam 2mg tablets', DOSAGES.diazepamWhenRequired),
  'temazepam-10': tablets('321152004', 'Temazepam 10mg tablets', DOSAGES.temazepamWhenRequired),
  'morphine-mr-10': tablets(
    '36126511000001106',
    'Morphine 10mg modified-release tablets',
    DOSAGES.oneTwiceDaily,
  ),
  'furosemide-40': tablets('317972000', 'Furosemide 40mg tablets', DOSAGES.oneMorning),
  'furosemide-20': tablets('317971007', 'Furosemide 20mg tablets', DOSAGES.oneMorning),
  'bisoprolol-5': tablets('318590006', 'Bisoprolol 5mg tablets', DOSAGES.oneDaily),
  'bisoprolol-10': tablets('318591005', 'Bisoprolol 10mg tablets', DOSAGES.oneDaily),
  'ramipril-2.5': capsules(
    '318901006',
    'Ramipril 2.5mg capsules',
    DOSAGES.oneCapsuleDaily,
    DOSAGES.twoCapsulesDaily,
  ),
  'ramipril-5': capsules('318902004', 'Ramipril 5mg capsules', DOSAGES.oneCapsuleDaily),
  'spironolactone-25': tablets('318056008', 'Spironolactone 25mg tablets', DOSAGES.oneMorning),
  'losartan-50': tablets('318956006', 'Losartan 50mg tablets', DOSAGES.oneDaily),
  'lisinopril-10': tablets('318859000', 'Lisinopril 10mg tablets', DOSAGES.oneDaily),
  'lisinopril-20': tablets('318860005', 'Lisinopril 20mg tablets', DOSAGES.oneDaily),
  'candesartan-8': tablets('318979007', 'Candesartan 8mg tablets', DOSAGES.oneDaily),
  'citalopram-20': tablets('321987003', 'Citalopram 20mg tablets', DOSAGES.oneDaily),
  'ibuprofen-200': tablets('329652003', 'Ibuprofen 200mg tablets', DOSAGES.ibuprofenWhenRequired),
  'isosorbide-mononitrate-20': tablets(
    '319134001',
    'Isosorbide mononitrate 20mg tablets',
    DOSAGES.oneTwiceDaily,
  ),
  'terbinafine-250': {
    ...tablets('324718007', 'Terbinafine 250mg tablets', DOSAGES.oneDaily),
    courseDays: 84,
  },
} as const satisfies Record<string, MedicationConcept>;

export type MedicationKey = keyof typeof MEDICATIONS;

export function medicationConcept(key: MedicationKey): MedicationConcept {
  return MEDICATIONS[key];
}
