/** The clinical resource types a patient view is assembled from (the record's sections draw on these). */
export const RECORD_RESOURCE_TYPES = [
  'Condition',
  'MedicationStatement',
  'AllergyIntolerance',
  'Observation',
  'DocumentReference',
  'CarePlan',
  'CareTeam',
  'Appointment',
  'Encounter',
  'Flag',
  'Immunization',
  'MedicationRequest',
  'MedicationAdministration',
  'ServiceRequest',
  'DiagnosticReport',
  'Procedure',
  'RelatedPerson',
  'EpisodeOfCare',
] as const;

export type RecordResourceType = (typeof RECORD_RESOURCE_TYPES)[number];

export function isRecordResourceType(value: string): value is RecordResourceType {
  return (RECORD_RESOURCE_TYPES as readonly string[]).includes(value);
}

/** The element that ties each record resource type to its patient. */
export const PATIENT_REFERENCE_PATH: Readonly<
  Record<RecordResourceType, 'subject' | 'patient' | 'participant'>
> = {
  Condition: 'subject',
  MedicationStatement: 'subject',
  AllergyIntolerance: 'patient',
  Observation: 'subject',
  DocumentReference: 'subject',
  CarePlan: 'subject',
  CareTeam: 'subject',
  Appointment: 'participant',
  Encounter: 'subject',
  Flag: 'subject',
  Immunization: 'patient',
  MedicationRequest: 'subject',
  MedicationAdministration: 'subject',
  ServiceRequest: 'subject',
  DiagnosticReport: 'subject',
  Procedure: 'subject',
  RelatedPerson: 'patient',
  EpisodeOfCare: 'patient',
};

/** The search parameter that selects a resource type by patient on a FHIR R4 server. */
export const PATIENT_SEARCH_PARAM: Readonly<Record<RecordResourceType, 'patient' | 'subject'>> = {
  Condition: 'patient',
  MedicationStatement: 'patient',
  AllergyIntolerance: 'patient',
  Observation: 'patient',
  DocumentReference: 'patient',
  CarePlan: 'patient',
  CareTeam: 'patient',
  Appointment: 'patient',
  Encounter: 'patient',
  Flag: 'patient',
  Immunization: 'patient',
  MedicationRequest: 'patient',
  MedicationAdministration: 'patient',
  ServiceRequest: 'patient',
  DiagnosticReport: 'patient',
  Procedure: 'patient',
  RelatedPerson: 'patient',
  EpisodeOfCare: 'patient',
};

/**
 * Resources that record resources refer to but that belong to no patient: who recorded or
 * prescribed, where, which product. A source may send them alongside its record; they are shown
 * as included entries, never as part of the patient's record. (A peer broker's Provenance comes
 * this way, so the chain of custody survives every hop.) A Specimen is the exception that names a
 * patient (`subject`): it is shown only when that is the source's patient (SUPPORTING_PATIENT_PATH).
 */
export const SUPPORTING_RESOURCE_TYPES = [
  'Provenance',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Specimen',
] as const;
export type SupportingResourceType = (typeof SUPPORTING_RESOURCE_TYPES)[number];

export function isSupportingResourceType(value: string): value is SupportingResourceType {
  return (SUPPORTING_RESOURCE_TYPES as readonly string[]).includes(value);
}

/** Supporting types that name a patient, and the element that does: one naming another patient is left out. */
export const SUPPORTING_PATIENT_PATH: Readonly<Partial<Record<SupportingResourceType, 'subject'>>> = {
  Specimen: 'subject',
};

/**
 * The supporting resources a FHIR R4 source is asked to include with a record type's search, and the
 * `_include` that asks: a report's Specimens travel with it so that its results keep their sample.
 */
export const INCLUDED_WITH: Readonly<
  Partial<Record<RecordResourceType, { readonly include: string; readonly type: SupportingResourceType }>>
> = {
  DiagnosticReport: { include: 'DiagnosticReport:specimen', type: 'Specimen' },
};
