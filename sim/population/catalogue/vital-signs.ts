/** Vital signs and scores: LOINC (or SNOMED CT for NEWS2, as UK Core does) with UCUM units. */
export interface VitalSignConcept {
  readonly system: 'http://loinc.org' | 'http://snomed.info/sct';
  readonly code: string;
  readonly display: string;
  readonly unit: string;
  readonly decimals: number;
}

const loinc = (code: string, display: string, unit: string, decimals = 0): VitalSignConcept => ({
  system: 'http://loinc.org',
  code,
  display,
  unit,
  decimals,
});

export const VITAL_SIGNS = {
  respiratoryRate: loinc('9279-1', 'Respiratory rate', '/min'),
  heartRate: loinc('8867-4', 'Heart rate', '/min'),
  oxygenSaturation: loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', '%'),
  bodyTemperature: loinc('8310-5', 'Body temperature', 'Cel', 1),
  systolic: loinc('8480-6', 'Systolic blood pressure', 'mm[Hg]'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure', 'mm[Hg]'),
  glasgowComaScore: loinc('9269-2', 'Glasgow coma score total', '{score}'),
  bodyWeight: loinc('29463-7', 'Body weight', 'kg', 1),
  bodyHeight: loinc('8302-2', 'Body height', 'cm'),
  bodyMassIndex: loinc('39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 1),
  bloodGlucose: loinc('15074-8', 'Glucose [Moles/volume] in Blood', 'mmol/L', 1),
} as const satisfies Record<string, VitalSignConcept>;

export type VitalSignKey = keyof typeof VITAL_SIGNS;

export const BLOOD_PRESSURE_PANEL = {
  code: '85354-9',
  display: 'Blood pressure panel with all children optional',
};

export const NEWS2_TOTAL = {
  code: '1104051000000101',
  display: 'Royal College of Physicians National Early Warning Score 2 - total score',
};

export const ACVPU = {
  code: '1104441000000107',
  display: 'ACVPU (Alert Confusion Voice Pain Unresponsive) scale score',
};

export const ACVPU_LEVELS = ['Alert', 'New confusion', 'Voice', 'Pain', 'Unresponsive'] as const;
export type AcvpuLevel = (typeof ACVPU_LEVELS)[number];

/** One set of observations, as an ambulance crew records it. */
export interface VitalSignSet {
  readonly respiratoryRate: number;
  readonly oxygenSaturation: number;
  readonly onOxygen: boolean;
  readonly systolic: number;
  readonly diastolic: number;
  readonly heartRate: number;
  readonly temperature: number;
  readonly acvpu: AcvpuLevel;
  readonly glasgowComaScore: number;
  readonly bloodGlucose: number;
}

function band(value: number, bands: readonly (readonly [number, number])[], otherwise: number): number {
  for (const [upTo, score] of bands) if (value <= upTo) return score;
  return otherwise;
}

/** The Royal College of Physicians NEWS2 total (SpO2 scale 1). */
export function news2Score(vitals: VitalSignSet): number {
  const respiration = band(
    vitals.respiratoryRate,
    [
      [8, 3],
      [11, 1],
      [20, 0],
      [24, 2],
    ],
    3,
  );
  const saturation = band(
    vitals.oxygenSaturation,
    [
      [91, 3],
      [93, 2],
      [95, 1],
    ],
    0,
  );
  const oxygen = vitals.onOxygen ? 2 : 0;
  const systolic = band(
    vitals.systolic,
    [
      [90, 3],
      [100, 2],
      [110, 1],
      [219, 0],
    ],
    3,
  );
  const pulse = band(
    vitals.heartRate,
    [
      [40, 3],
      [50, 1],
      [90, 0],
      [110, 1],
      [130, 2],
    ],
    3,
  );
  const consciousness = vitals.acvpu === 'Alert' ? 0 : 3;
  const temperature = band(
    vitals.temperature,
    [
      [35, 3],
      [36, 1],
      [38, 0],
      [39, 1],
    ],
    2,
  );
  return respiration + saturation + oxygen + systolic + pulse + consciousness + temperature;
}
