import type { Resource } from '@medplum/fhirtypes';
import type { VitalSignSet } from '../catalogue/vital-signs';
import { createFixedDates } from '../clock';
import { buildAmbulanceIncident } from '../nodes/ambulance-incident';
import { createRandom } from '../random';
import type { RecordContext } from '../record-context';

const FALL_ON_ARRIVAL: VitalSignSet = {
  respiratoryRate: 18,
  oxygenSaturation: 96,
  onOxygen: false,
  systolic: 152,
  diastolic: 86,
  heartRate: 88,
  temperature: 36.2,
  acvpu: 'Alert',
  glasgowComaScore: 15,
  bloodGlucose: 7.9,
};

const FALL_AT_HANDOVER: VitalSignSet = { ...FALL_ON_ARRIVAL, systolic: 146, diastolic: 82, heartRate: 82 };

const PNEUMONIA_ON_ARRIVAL: VitalSignSet = {
  respiratoryRate: 26,
  oxygenSaturation: 91,
  onOxygen: true,
  systolic: 104,
  diastolic: 62,
  heartRate: 112,
  temperature: 38.9,
  acvpu: 'New confusion',
  glasgowComaScore: 14,
  bloodGlucose: 11.2,
};

/**
 * Amelia Clarke's ambulance record: two 999 calls, each conveyed to Riverside, matching the hospital's
 * ED attendance (2025-12-20) and admission (2026-09-12).
 */
export function buildRichAmbulanceRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  // Crew names and destinations are drawn; a fixed seed keeps them the same for every population seed.
  const random = createRandom(9_000_000_009);
  return [
    ...buildAmbulanceIncident(
      context,
      random,
      'fall',
      {
        callMs: at.ms('2025-12-20T13:05:00Z'),
        atPatientMs: at.ms('2025-12-20T13:31:00Z'),
        handoverMs: at.ms('2025-12-20T14:05:00Z'),
      },
      [FALL_ON_ARRIVAL, FALL_AT_HANDOVER],
    ),
    ...buildAmbulanceIncident(
      context,
      random,
      'pneumonia',
      {
        callMs: at.ms('2026-09-12T10:02:00Z'),
        atPatientMs: at.ms('2026-09-12T10:19:00Z'),
        handoverMs: at.ms('2026-09-12T11:20:00Z'),
      },
      [PNEUMONIA_ON_ARRIVAL],
    ),
  ];
}
