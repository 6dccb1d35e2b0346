import type { CodeableConcept, Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import { toInstant } from '../clock';
import {
  LOINC,
  OBSERVATION_CATEGORY,
  OBSERVATION_INTERPRETATION,
  SNOMED,
  UCUM,
  coded,
} from '../code-systems';
import type { PathologyTest } from '../catalogue/pathology';
import {
  ACVPU,
  BLOOD_PRESSURE_PANEL,
  NEWS2_TOTAL,
  VITAL_SIGNS,
  type AcvpuLevel,
  type VitalSignConcept,
} from '../catalogue/vital-signs';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

/** What every observation shares: when, by whom, in which encounter of the same node. */
export interface ObservationContext {
  readonly effectiveMs: number;
  /** Laboratory results are issued after the sample was taken. Default: effective time. */
  readonly issuedMs?: number;
  readonly performer?: string;
  readonly encounterId?: string;
}

const CATEGORY_DISPLAY = {
  laboratory: 'Laboratory',
  'vital-signs': 'Vital Signs',
  survey: 'Survey',
} as const;

function baseObservation(
  context: RecordContext,
  category: keyof typeof CATEGORY_DISPLAY,
  code: CodeableConcept,
  at: ObservationContext,
): Observation {
  const issuedMs = Math.min(at.issuedMs ?? at.effectiveMs, context.referenceMs);
  const observation: Observation = {
    resourceType: 'Observation',
    id: context.nextId('Observation'),
    meta: resourceMeta(context, issuedMs),
    status: 'final',
    category: [coded(OBSERVATION_CATEGORY, category, CATEGORY_DISPLAY[category])],
    code,
    subject: context.patient,
    effectiveDateTime: toInstant(at.effectiveMs),
    issued: toInstant(issuedMs),
  };
  if (at.encounterId) observation.encounter = localReference('Encounter', at.encounterId);
  if (at.performer) observation.performer = [displayReference(at.performer)];
  return observation;
}

function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: UCUM, code: unit };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function interpretation(test: PathologyTest, value: number): CodeableConcept {
  if (test.low !== undefined && value < test.low) return coded(OBSERVATION_INTERPRETATION, 'L', 'Low');
  if (test.high !== undefined && value > test.high) return coded(OBSERVATION_INTERPRETATION, 'H', 'High');
  return coded(OBSERVATION_INTERPRETATION, 'N', 'Normal');
}

function referenceRange(test: PathologyTest): ObservationReferenceRange {
  const range: ObservationReferenceRange = {};
  if (test.low !== undefined) range.low = quantity(test.low, test.unit);
  if (test.high !== undefined) range.high = quantity(test.high, test.unit);
  if (test.low === undefined) range.text = `< ${test.high ?? ''} ${test.unit}`.trim();
  if (test.high === undefined) range.text = `> ${test.low ?? ''} ${test.unit}`.trim();
  return range;
}

export function buildLabObservation(
  context: RecordContext,
  test: PathologyTest,
  value: number,
  at: ObservationContext,
): Observation {
  const observation = baseObservation(
    context,
    'laboratory',
    coded(LOINC, test.loinc, test.display, test.name),
    at,
  );
  const rounded = round(value, test.decimals);
  observation.valueQuantity = quantity(rounded, test.unit);
  observation.interpretation = [interpretation(test, rounded)];
  observation.referenceRange = [referenceRange(test)];
  return observation;
}

export function buildVitalSignObservation(
  context: RecordContext,
  vital: VitalSignConcept,
  value: number,
  at: ObservationContext,
): Observation {
  const observation = baseObservation(
    context,
    'vital-signs',
    coded(vital.system, vital.code, vital.display),
    at,
  );
  observation.valueQuantity = quantity(round(value, vital.decimals), vital.unit);
  return observation;
}

export function buildBloodPressureObservation(
  context: RecordContext,
  systolic: number,
  diastolic: number,
  at: ObservationContext,
): Observation {
  const panel = coded(LOINC, BLOOD_PRESSURE_PANEL.code, BLOOD_PRESSURE_PANEL.display, 'Blood pressure');
  const observation = baseObservation(context, 'vital-signs', panel, at);
  observation.component = [
    {
      code: coded(LOINC, VITAL_SIGNS.systolic.code, VITAL_SIGNS.systolic.display),
      valueQuantity: quantity(Math.round(systolic), 'mm[Hg]'),
    },
    {
      code: coded(LOINC, VITAL_SIGNS.diastolic.code, VITAL_SIGNS.diastolic.display),
      valueQuantity: quantity(Math.round(diastolic), 'mm[Hg]'),
    },
  ];
  return observation;
}

export function buildNews2Observation(
  context: RecordContext,
  score: number,
  at: ObservationContext,
): Observation {
  const code = coded(SNOMED, NEWS2_TOTAL.code, NEWS2_TOTAL.display, 'NEWS2 score');
  const observation = baseObservation(context, 'survey', code, at);
  observation.valueInteger = score;
  return observation;
}

export function buildAcvpuObservation(
  context: RecordContext,
  level: AcvpuLevel,
  at: ObservationContext,
): Observation {
  const observation = baseObservation(
    context,
    'survey',
    coded(SNOMED, ACVPU.code, ACVPU.display, 'ACVPU'),
    at,
  );
  // Only "Alert" has an obvious SNOMED CT finding; the crew's other levels are sent as text, as many EPRs do.
  observation.valueCodeableConcept =
    level === 'Alert' ? coded(SNOMED, '248234008', 'Mentally alert', 'Alert') : { text: level };
  return observation;
}
