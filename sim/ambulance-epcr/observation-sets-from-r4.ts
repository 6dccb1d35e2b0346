import type { Observation } from '@medplum/fhirtypes';
import type { AcvpuCode, ObservationSet } from './epcr-wire';
import { news2Score, type AcvpuLevel } from '../population/catalogue/vital-signs';

const LOINC_FIELDS = {
  '9279-1': 'respiratoryRate',
  '59408-5': 'spo2',
  '8867-4': 'heartRate',
  '8310-5': 'temperatureC',
  '9269-2': 'gcsTotal',
  '15074-8': 'bloodGlucoseMmolL',
  '72514-3': 'painScore',
} as const;
const BLOOD_PRESSURE_PANEL = '85354-9';
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
const ACVPU_SCALE = '1104441000000107';
const NEWS2_TOTAL = '1104051000000101';

const ACVPU_BY_TEXT: Readonly<Record<string, AcvpuCode>> = {
  Alert: 'A',
  'New confusion': 'C',
  Voice: 'V',
  Pain: 'P',
  Unresponsive: 'U',
};
const ACVPU_LEVEL: Readonly<Record<AcvpuCode, AcvpuLevel>> = {
  A: 'Alert',
  C: 'New confusion',
  V: 'Voice',
  P: 'Pain',
  U: 'Unresponsive',
};

type MutableSet = { -readonly [K in keyof ObservationSet]: ObservationSet[K] };

function codeOf(observation: Observation): string | undefined {
  return observation.code.coding?.[0]?.code;
}

function addSign(set: MutableSet, observation: Observation): void {
  const code = codeOf(observation);
  if (code && code in LOINC_FIELDS && observation.valueQuantity?.value !== undefined) {
    set[LOINC_FIELDS[code as keyof typeof LOINC_FIELDS]] = observation.valueQuantity.value;
  } else if (code === BLOOD_PRESSURE_PANEL) {
    for (const component of observation.component ?? []) {
      const value = component.valueQuantity?.value;
      if (value === undefined) continue;
      if (component.code.coding?.[0]?.code === SYSTOLIC) set.systolicBp = value;
      if (component.code.coding?.[0]?.code === DIASTOLIC) set.diastolicBp = value;
    }
  } else if (code === ACVPU_SCALE) {
    const level = ACVPU_BY_TEXT[observation.valueCodeableConcept?.text ?? ''];
    if (level) set.consciousness = level;
  } else if (code === NEWS2_TOTAL && observation.valueInteger !== undefined) {
    set.news2Score = observation.valueInteger;
  }
}

/**
 * The population records no "air or oxygen" flag, but its NEWS2 total counts 2 for oxygen: with every
 * sign present, the flag is whatever makes the crew's total come out (scale 1, as the population scores).
 */
function deriveOxygen(set: MutableSet): void {
  const {
    respiratoryRate,
    spo2,
    systolicBp,
    heartRate,
    consciousness,
    temperatureC,
    news2Score: total,
  } = set;
  if (
    respiratoryRate === undefined ||
    spo2 === undefined ||
    systolicBp === undefined ||
    heartRate === undefined ||
    consciousness === undefined ||
    temperatureC === undefined ||
    total === undefined
  )
    return;
  const onAir = news2Score({
    respiratoryRate,
    oxygenSaturation: spo2,
    onOxygen: false,
    systolic: systolicBp,
    diastolic: set.diastolicBp ?? 0,
    heartRate,
    temperature: temperatureC,
    acvpu: ACVPU_LEVEL[consciousness],
    glasgowComaScore: set.gcsTotal ?? 15,
    bloodGlucose: set.bloodGlucoseMmolL ?? 0,
  });
  set.spo2Scale = 1;
  if (total === onAir) set.onSupplementalOxygen = false;
  else if (total === onAir + 2) set.onSupplementalOxygen = true;
}

/** An encounter's vital-sign Observations as ePCR observation sets: one set per time taken, in time order. */
export function observationSetsFromR4(observations: readonly Observation[]): ObservationSet[] {
  const byTime = new Map<string, MutableSet>();
  for (const observation of observations) {
    const takenAt = observation.effectiveDateTime;
    if (!takenAt) continue;
    const set = byTime.get(takenAt) ?? { takenAt };
    addSign(set, observation);
    byTime.set(takenAt, set);
  }
  const sets = [...byTime.values()].sort((a, b) => Date.parse(a.takenAt) - Date.parse(b.takenAt));
  for (const set of sets) deriveOxygen(set);
  return sets;
}
