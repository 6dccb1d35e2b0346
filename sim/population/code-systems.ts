import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

/** The code and identifier systems the simulated nodes use: real ones, as UK Core names them. */
export const SNOMED = 'http://snomed.info/sct';
export const DMD = 'https://dmd.nhs.uk';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

const HL7 = 'http://terminology.hl7.org/CodeSystem';
export const CONDITION_CLINICAL = `${HL7}/condition-clinical`;
export const CONDITION_VERIFICATION = `${HL7}/condition-ver-status`;
export const CONDITION_CATEGORY = `${HL7}/condition-category`;
export const ALLERGY_CLINICAL = `${HL7}/allergyintolerance-clinical`;
export const ALLERGY_VERIFICATION = `${HL7}/allergyintolerance-verification`;
export const OBSERVATION_CATEGORY = `${HL7}/observation-category`;
export const OBSERVATION_INTERPRETATION = `${HL7}/v3-ObservationInterpretation`;
export const MEDICATION_STATEMENT_CATEGORY = `${HL7}/medication-statement-category`;
export const ACT_CODE = `${HL7}/v3-ActCode`;
export const CONFIDENTIALITY = `${HL7}/v3-Confidentiality`;
export const FLAG_CATEGORY = `${HL7}/flag-category`;
export const APPOINTMENT_TYPE = `${HL7}/v2-0276`;
export const PARTICIPATION_TYPE = `${HL7}/v3-ParticipationType`;

/** Sensitivity labels from v3-ActCode (InformationSensitivityPolicy) that the nodes put in meta.security. */
export const SENSITIVITY_CODES = ['HIV', 'PSY', 'SDV', 'SEX', 'STD', 'ETH'] as const;
export type SensitivityCode = (typeof SENSITIVITY_CODES)[number];

const SENSITIVITY_DISPLAY: Readonly<Record<SensitivityCode, string>> = {
  HIV: 'HIV/AIDS information sensitivity',
  PSY: 'psychiatry disorder information sensitivity',
  SDV: 'sexual assault, abuse, or domestic violence information sensitivity',
  SEX: 'sexuality and reproductive health information sensitivity',
  STD: 'sexually transmitted disease information sensitivity',
  ETH: 'substance abuse information sensitivity',
};

export function sensitivityLabel(code: SensitivityCode): Coding {
  return { system: ACT_CODE, code, display: SENSITIVITY_DISPLAY[code] };
}

/** v3-Confidentiality R: the record (or item) is restricted. */
export const RESTRICTED_LABEL: Coding = { system: CONFIDENTIALITY, code: 'R', display: 'restricted' };

/** A concept coded once in SNOMED CT, with the display as its text. */
export function snomed(code: string, display: string): CodeableConcept {
  return { coding: [{ system: SNOMED, code, display }], text: display };
}

export function loinc(code: string, display: string): CodeableConcept {
  return { coding: [{ system: LOINC, code, display }], text: display };
}

export function coded(system: string, code: string, display: string, text?: string): CodeableConcept {
  return { coding: [{ system, code, display }], ...(text === undefined ? {} : { text }) };
}

/** A concept the source holds only as text (as many local alerts and care plan categories are). */
export function textOnly(text: string): CodeableConcept {
  return { text };
}
