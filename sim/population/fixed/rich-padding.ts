import type { Resource } from '@medplum/fhirtypes';
import { PATHOLOGY_TESTS, type PathologyKey } from '../catalogue/pathology';
import { VITAL_SIGNS, type VitalSignKey } from '../catalogue/vital-signs';
import { buildEncounter } from '../builders/encounter';
import {
  buildBloodPressureObservation,
  buildLabObservation,
  buildVitalSignObservation,
} from '../builders/observation';
import { HOUR_MS, MINUTE_MS } from '../clock';
import { drawLabValue } from '../draw-lab-value';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';
import type { SimNodeId } from '../types';

/** Padding entries start a day before the reference date and step back in time, so each is distinct. */
const STEP_MS = 4 * HOUR_MS;

const GP_SERIES: readonly (PathologyKey | 'blood-pressure' | VitalSignKey)[] = [
  'blood-pressure',
  'bodyWeight',
  'hba1c',
  'potassium',
  'creatinine',
  'egfr',
  'bloodGlucose',
];
const AMBULANCE_SERIES: readonly VitalSignKey[] = [
  'respiratoryRate',
  'oxygenSaturation',
  'heartRate',
  'bodyTemperature',
  'glasgowComaScore',
  'bloodGlucose',
];
const ACUTE_SERIES = Object.keys(PATHOLOGY_TESTS) as PathologyKey[];
const RICH_PROBLEMS = ['type-2-diabetes', 'chronic-kidney-disease'] as const;

function isPathology(key: string): key is PathologyKey {
  return key in PATHOLOGY_TESTS;
}

const VITAL_CENTRES: Readonly<Record<VitalSignKey, readonly [number, number]>> = {
  respiratoryRate: [17, 2],
  heartRate: [82, 8],
  oxygenSaturation: [96, 1],
  bodyTemperature: [36.8, 0.3],
  systolic: [140, 10],
  diastolic: [82, 6],
  glasgowComaScore: [15, 0],
  bodyWeight: [78, 1.5],
  bodyHeight: [162, 0],
  bodyMassIndex: [29.8, 0.5],
  bloodGlucose: [8, 1.6],
};

function vitalValue(random: Random, key: VitalSignKey): number {
  const [mean, sd] = VITAL_CENTRES[key];
  return random.normal(mean, sd);
}

/**
 * Extra entries for 9000000009 when a benchmark asks for a bigger record: long observation series (GP,
 * hospital, ambulance) or contact histories (mental health, neighbouring region), each entry distinct in
 * time. Only the node's own resource types are used.
 */
export function buildRichPadding(
  context: RecordContext,
  nodeId: SimNodeId,
  random: Random,
  count: number,
): Resource[] {
  const resources: Resource[] = [];
  const firstMs = context.referenceMs - 24 * HOUR_MS;
  for (let i = 0; i < count; i++) {
    const atMs = firstMs - i * STEP_MS;
    const at = { effectiveMs: atMs, issuedMs: atMs + 3 * HOUR_MS, performer: 'Padding series' };
    if (nodeId === 'gp' || nodeId === 'acute') {
      const series = nodeId === 'gp' ? GP_SERIES : ACUTE_SERIES;
      const key = series[i % series.length] ?? 'hba1c';
      if (key === 'blood-pressure') {
        const systolic = vitalValue(random, 'systolic');
        resources.push(buildBloodPressureObservation(context, systolic, systolic * 0.6, at));
      } else if (isPathology(key)) {
        const value = drawLabValue(random, key, RICH_PROBLEMS);
        resources.push(buildLabObservation(context, PATHOLOGY_TESTS[key], value, at));
      } else {
        resources.push(buildVitalSignObservation(context, VITAL_SIGNS[key], vitalValue(random, key), at));
      }
    } else if (nodeId === 'ambulance') {
      const key = AMBULANCE_SERIES[i % AMBULANCE_SERIES.length] ?? 'heartRate';
      resources.push(buildVitalSignObservation(context, VITAL_SIGNS[key], vitalValue(random, key), at));
    } else {
      resources.push(
        buildEncounter(context, {
          encounterClass: 'VR',
          type: 'telephone',
          service: nodeId === 'mental-health' ? 'Care coordinator telephone review' : 'Telephone follow-up',
          status: 'finished',
          startMs: atMs,
          endMs: atMs + random.int(5, 30) * MINUTE_MS,
        }),
      );
    }
  }
  return resources;
}
