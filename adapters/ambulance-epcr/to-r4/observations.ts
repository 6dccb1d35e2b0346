import type { CodeableConcept, Observation, ObservationComponent } from '@medplum/fhirtypes';
import type { ObservationSet } from '../epcr-schema';
import { incidentIds } from './fhir-ids';
import type { IncidentContext } from './incident-context';
import {
  ACVPU_FINDINGS,
  ACVPU_SCALE,
  BLOOD_PRESSURE,
  NEWS2_TOTAL,
  NO,
  OBSERVATION_CATEGORY,
  PATIENT_ON_OXYGEN,
  VITAL_SIGN_CODES,
  YES,
  codeable,
  ucum,
  type Concept,
  type QuantityVitalSign,
} from './r4-codes';

const VITAL_SIGNS_CATEGORY: CodeableConcept = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }],
};
const SURVEY_CATEGORY: CodeableConcept = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }],
};

/** The short names that end each observation's id, per sign. */
const ID_SUFFIX: Readonly<Record<QuantityVitalSign, string>> = {
  respiratoryRate: 'rr',
  spo2: 'spo2',
  heartRate: 'hr',
  temperatureC: 'temp',
  gcsTotal: 'gcs',
  bloodGlucoseMmolL: 'bg',
  painScore: 'pain',
};

/** Scores (GCS, pain) are recorded as assessments, the physiological signs as vital signs. */
const SURVEY_SIGNS: ReadonlySet<QuantityVitalSign> = new Set(['gcsTotal', 'painScore']);

const QUANTITY_ORDER: readonly QuantityVitalSign[] = [
  'respiratoryRate',
  'spo2',
  'heartRate',
  'temperatureC',
  'gcsTotal',
  'bloodGlucoseMmolL',
  'painScore',
];

/** Makes one Observation of a set: shared subject, encounter, time and id stem. */
type ObservationMaker = (suffix: string, category: CodeableConcept, code: CodeableConcept) => Observation;

function observationMaker(
  context: IncidentContext,
  set: ObservationSet,
  setNumber: number,
): ObservationMaker {
  return (suffix, category, code) => ({
    resourceType: 'Observation',
    id: incidentIds.observation(context.key, setNumber, suffix),
    meta: context.meta,
    status: 'final',
    category: [category],
    code,
    subject: context.patient,
    encounter: context.encounter,
    effectiveDateTime: set.takenAt,
  });
}

/** NEWS2 "air or oxygen" and the SpO2 scale, kept with the saturation they qualify. */
function oxygenComponents(set: ObservationSet): ObservationComponent[] {
  const components: ObservationComponent[] = [];
  if (set.onSupplementalOxygen !== undefined) {
    const answer = set.onSupplementalOxygen ? YES : NO;
    components.push({
      code: codeable(PATIENT_ON_OXYGEN, 'On supplemental oxygen'),
      valueCodeableConcept: codeable(answer, set.onSupplementalOxygen ? 'Yes' : 'No'),
    });
  }
  if (set.spo2Scale !== undefined) {
    components.push({ code: { text: 'NEWS2 SpO2 scale' }, valueInteger: set.spo2Scale });
  }
  return components;
}

function oxygenNote(set: ObservationSet): string | undefined {
  const parts: string[] = [];
  if (set.onSupplementalOxygen !== undefined)
    parts.push(set.onSupplementalOxygen ? 'On supplemental oxygen' : 'On room air');
  if (set.spo2Scale !== undefined) parts.push(`NEWS2 SpO2 scale ${set.spo2Scale}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function quantityObservation(
  make: ObservationMaker,
  set: ObservationSet,
  sign: QuantityVitalSign,
): Observation | undefined {
  const value = set[sign];
  const oxygen = sign === 'spo2' ? oxygenComponents(set) : [];
  // A saturation entry without a value still carries the oxygen flag and scale, when they were recorded.
  if (value === undefined && oxygen.length === 0) return undefined;
  const concept = VITAL_SIGN_CODES[sign];
  const category = SURVEY_SIGNS.has(sign) ? SURVEY_CATEGORY : VITAL_SIGNS_CATEGORY;
  const observation = make(ID_SUFFIX[sign], category, codeable(concept));
  if (value === undefined) observation.dataAbsentReason = { text: 'Not recorded' };
  else observation.valueQuantity = ucum(value, concept.unit);
  if (oxygen.length > 0) observation.component = oxygen;
  const note = sign === 'spo2' ? oxygenNote(set) : undefined;
  if (note) observation.note = [{ text: note }];
  return observation;
}

function bloodPressure(make: ObservationMaker, set: ObservationSet): Observation | undefined {
  if (set.systolicBp === undefined && set.diastolicBp === undefined) return undefined;
  const component = (concept: Concept, value: number | undefined): ObservationComponent =>
    value === undefined
      ? { code: codeable(concept), dataAbsentReason: { text: 'Not recorded' } }
      : { code: codeable(concept), valueQuantity: ucum(value, 'mm[Hg]') };
  const observation = make('bp', VITAL_SIGNS_CATEGORY, codeable(BLOOD_PRESSURE.panel, 'Blood pressure'));
  observation.component = [
    component(BLOOD_PRESSURE.systolic, set.systolicBp),
    component(BLOOD_PRESSURE.diastolic, set.diastolicBp),
  ];
  return observation;
}

function consciousness(make: ObservationMaker, set: ObservationSet): Observation | undefined {
  if (set.consciousness === undefined) return undefined;
  const finding = ACVPU_FINDINGS[set.consciousness];
  const observation = make('acvpu', SURVEY_CATEGORY, codeable(ACVPU_SCALE, 'ACVPU'));
  observation.valueCodeableConcept = codeable(finding, finding.text);
  return observation;
}

function news2(make: ObservationMaker, set: ObservationSet): Observation | undefined {
  if (set.news2Score === undefined) return undefined;
  const observation = make('news2', SURVEY_CATEGORY, codeable(NEWS2_TOTAL, 'NEWS2 score'));
  observation.valueInteger = set.news2Score;
  const note = oxygenNote(set);
  if (note) observation.note = [{ text: note }];
  return observation;
}

/**
 * One ePCR observation set as FHIR R4 Observations: one per sign (LOINC, UCUM), blood pressure as the
 * panel with its two components, ACVPU coded in SNOMED CT, the NEWS2 total, and the SpO2 scale and
 * oxygen flag on the saturation. Values are passed through exactly as recorded.
 */
export function toR4Observations(
  context: IncidentContext,
  set: ObservationSet,
  setNumber: number,
): Observation[] {
  const make = observationMaker(context, set, setNumber);
  return [
    ...QUANTITY_ORDER.map((sign) => quantityObservation(make, set, sign)),
    bloodPressure(make, set),
    consciousness(make, set),
    news2(make, set),
  ].filter((observation): observation is Observation => observation !== undefined);
}
