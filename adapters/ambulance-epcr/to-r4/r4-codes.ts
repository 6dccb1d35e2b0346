import type { CodeableConcept, Coding, Quantity } from '@medplum/fhirtypes';

/** Code systems the ePCR mapping writes (UK Core uses SNOMED CT, LOINC for vital signs, UCUM units, dm+d). */
export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const DMD = 'https://dmd.nhs.uk';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const ACT_PRIORITY = 'http://terminology.hl7.org/CodeSystem/v3-ActPriority';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const NHS_NUMBER_VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

export interface Concept {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

const loinc = (code: string, display: string): Concept => ({ system: LOINC, code, display });
const sct = (code: string, display: string): Concept => ({ system: SNOMED, code, display });

/** The vital signs an ePCR observation set carries, with the UCUM unit of each. */
export const VITAL_SIGN_CODES = {
  respiratoryRate: { ...loinc('9279-1', 'Respiratory rate'), unit: '/min' },
  spo2: { ...loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), unit: '%' },
  heartRate: { ...loinc('8867-4', 'Heart rate'), unit: '/min' },
  temperatureC: { ...loinc('8310-5', 'Body temperature'), unit: 'Cel' },
  gcsTotal: { ...loinc('9269-2', 'Glasgow coma score total'), unit: '{score}' },
  bloodGlucoseMmolL: { ...loinc('15074-8', 'Glucose [Moles/volume] in Blood'), unit: 'mmol/L' },
  painScore: {
    ...loinc('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported'),
    unit: '{score}',
  },
} as const;
export type QuantityVitalSign = keyof typeof VITAL_SIGN_CODES;

export const BLOOD_PRESSURE = {
  panel: loinc('85354-9', 'Blood pressure panel with all children optional'),
  systolic: loinc('8480-6', 'Systolic blood pressure'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure'),
} as const;

export const NEWS2_TOTAL = sct(
  '1104051000000101',
  'Royal College of Physicians National Early Warning Score 2 - total score',
);
export const ACVPU_SCALE = sct(
  '1104441000000107',
  'ACVPU (Alert Confusion Voice Pain Unresponsive) scale score',
);

/** ACVPU levels as SNOMED CT findings (the HL7 UK Care Connect ACVPU value set). */
export const ACVPU_FINDINGS = {
  A: { ...sct('248234008', 'Mentally alert'), text: 'Alert' },
  C: { ...sct('130987000', 'Acute confusion'), text: 'New confusion' },
  V: { ...sct('300202002', 'Responds to voice'), text: 'Voice' },
  P: { ...sct('450847001', 'Responds to pain'), text: 'Pain' },
  U: { ...sct('422768004', 'Unresponsive'), text: 'Unresponsive' },
} as const;

/** NEWS2 "air or oxygen", as UK NEWS2 recording codes it. */
export const PATIENT_ON_OXYGEN = sct('371825009', 'Patient on oxygen');
export const YES = sct('373066001', 'Yes');
export const NO = sct('373067005', 'No');

/** Handover to the receiving hospital, and the record of care when the patient was not conveyed. */
export const DOCUMENT_TYPES = {
  handover: sct('371535009', 'Transfer summary report'),
  careRecord: sct('371531000', 'Report of clinical encounter'),
} as const;

/** UCUM codes for the dose units ePCR formularies write; other units are kept as text only. */
export const DOSE_UNITS: Readonly<Record<string, string>> = {
  mg: 'mg',
  g: 'g',
  microgram: 'ug',
  micrograms: 'ug',
  mcg: 'ug',
  ug: 'ug',
  ml: 'mL',
  mL: 'mL',
  'L/min': 'L/min',
  'l/min': 'L/min',
  '%': '%',
  mmol: 'mmol',
  units: '[iU]',
};

export function codeable(concept: Concept, text?: string): CodeableConcept {
  const coding: Coding = { system: concept.system, code: concept.code, display: concept.display };
  return text === undefined ? { coding: [coding] } : { coding: [coding], text };
}

/** A UCUM quantity; the value is passed through untouched. */
export function ucum(value: number, unit: string): Quantity {
  return { value, unit, system: UCUM, code: unit };
}
