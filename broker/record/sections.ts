import type { RecordResourceType } from '../../core/fhir/resource-types';

/** The sections of a shared care record, in the order a viewer shows them. */
export const SECTION_IDS = [
  'contacts',
  'teams',
  'appointments',
  'conditions',
  'medications',
  'allergies',
  'results',
  'documents',
  'care-plans',
  'community',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export const SECTION_TITLES: Readonly<Record<SectionId, string>> = {
  contacts: 'Contact details',
  teams: 'Involved teams',
  appointments: 'Appointments',
  conditions: 'Conditions',
  medications: 'Medications and important alerts',
  allergies: 'Allergies',
  results: 'Test results',
  documents: 'Letters, clinic and discharge documents',
  'care-plans': 'Care plans',
  community: 'Community, CAMHS and addiction events',
};

/**
 * Where each record resource type is shown. Contact details come from the Patient. Flags are the
 * medications section's alerts. Every Encounter (community, mental health, emergency, admission)
 * and every Immunization is an event in `community`: the record has no other place for them, and
 * each item says its setting, and so is every EpisodeOfCare (a community, CAMHS or addiction service's
 * episode: referral, open or closed, care coordinator). ServiceRequests (referrals) sit with care plans.
 * DiagnosticReports are results (their Observations grouped under them); Procedures (surgical and
 * procedural history) sit with conditions; RelatedPersons (next of kin, carers, attorneys) are the
 * patient's support network in the involved-teams section.
 */
export const SECTION_OF_TYPE: Readonly<Record<RecordResourceType, SectionId>> = {
  CareTeam: 'teams',
  Appointment: 'appointments',
  Condition: 'conditions',
  MedicationStatement: 'medications',
  MedicationRequest: 'medications',
  MedicationAdministration: 'medications',
  Flag: 'medications',
  AllergyIntolerance: 'allergies',
  Observation: 'results',
  DocumentReference: 'documents',
  CarePlan: 'care-plans',
  ServiceRequest: 'care-plans',
  Encounter: 'community',
  Immunization: 'community',
  EpisodeOfCare: 'community',
  DiagnosticReport: 'results',
  Procedure: 'conditions',
  RelatedPerson: 'teams',
};
