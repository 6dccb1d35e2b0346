import type { Encounter, Resource } from '@medplum/fhirtypes';
import { PATHOLOGY_TESTS, type PathologyKey } from '../catalogue/pathology';
import { VITAL_SIGNS, type VitalSignKey } from '../catalogue/vital-signs';
import { buildCondition } from '../builders/condition';
import { buildEncounter } from '../builders/encounter';
import {
  buildBloodPressureObservation,
  buildLabObservation,
  buildVitalSignObservation,
} from '../builders/observation';
import { HOUR_MS, MINUTE_MS, toInstant } from '../clock';
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
];
/** An ambulance padding attendance: its Encounter, the impression (a Condition) and one set of signs. */
const ATTENDANCE_SIZE = AMBULANCE_SERIES.length + 2;
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
  let attendance: Encounter | undefined;
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
      // The ambulance service serves incidents: padding is 999 attendances, each an Encounter, the crew's
      // impression and one set of vital signs taken on scene (what has no encounter would never reach an
      // ePCR answer, and an incident without an impression would come back with one added).
      const slot = i % ATTENDANCE_SIZE;
      if (slot === 0) {
        attendance = buildEncounter(context, {
          encounterClass: 'EMER',
          type: { text: 'Emergency ambulance response (999)' },
          service: 'Emergency ambulance',
          status: 'finished',
          startMs: atMs,
          endMs: atMs + 45 * MINUTE_MS,
          reason: 'Padding series',
          dischargeDisposition: 'Treated at scene',
        });
        resources.push(attendance);
        continue;
      }
      const startMs = attendance ? Date.parse(attendance.period?.start ?? '') : atMs;
      const encounter = attendance?.id ? { encounterId: attendance.id } : {};
      if (slot === 1) {
        resources.push(
          buildCondition(context, {
            code: '161898004',
            display: 'Fall',
            clinicalStatus: 'active',
            verificationStatus: 'provisional',
            category: 'encounter-diagnosis',
            onset: toInstant(startMs),
            recordedMs: startMs + 45 * MINUTE_MS,
            ...encounter,
          }),
        );
        continue;
      }
      const key = AMBULANCE_SERIES[slot - 2] ?? 'heartRate';
      const onScene = { effectiveMs: startMs + 10 * MINUTE_MS, performer: 'Padding series', ...encounter };
      resources.push(buildVitalSignObservation(context, VITAL_SIGNS[key], vitalValue(random, key), onScene));
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
