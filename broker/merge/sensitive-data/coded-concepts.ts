import type { CodeableConcept, Medication, Reference, Resource } from '@medplum/fhirtypes';
import type { RecordResourceType } from '../../../core/fhir/resource-types';

/** The Medication a medication reference names: a contained one, or one the source sent alongside. */
export type MedicationLookup = (owner: Resource, reference: Reference | undefined) => Medication | undefined;

type Concepts = readonly (CodeableConcept | undefined)[];
type OfType<T extends RecordResourceType> = Extract<Resource, { resourceType: T }>;

/** A medication's code: the concept itself, or the code of the Medication resource it refers to. */
function medicationConcepts(
  resource: Resource,
  concept: CodeableConcept | undefined,
  reference: Reference | undefined,
  medication: MedicationLookup,
): Concepts {
  return [concept, medication(resource, reference)?.code];
}

/**
 * Where each record type says what it is about: the concepts the sensitive code sets are matched
 * against. Keyed by every record type, so a type added to the record must be added here.
 *
 * Not checked, on purpose or for now: free text (narrative, notes, descriptions, a concept's text
 * without a coding, document content); codes only in extensions; Condition.evidence, stage and body
 * site; Observation.interpretation and method; identifiers; a reference's display; contained resources.
 * Resources the item refers to are not judged through it (an item pointing at a withheld one shows a
 * masked reference instead), except the Medication a medication item names, which is its code.
 * A DiagnosticReport is judged by its own codes and conclusion codes; its results are Observations
 * judged on their own (a withheld one is masked in `result`). An EpisodeOfCare by its type (a sexual
 * health or termination service is coded there); its diagnoses are Conditions judged on their own.
 */
export const CODED_ELEMENTS: {
  readonly [T in RecordResourceType]: (resource: OfType<T>, medication: MedicationLookup) => Concepts;
} = {
  Condition: (r) => [r.code],
  AllergyIntolerance: (r) => [r.code],
  Flag: (r) => [r.code],
  Observation: (r) => [
    r.code,
    r.valueCodeableConcept,
    ...(r.component ?? []).flatMap((c) => [c.code, c.valueCodeableConcept]),
  ],
  MedicationStatement: (r, medication) => [
    ...medicationConcepts(r, r.medicationCodeableConcept, r.medicationReference, medication),
    ...(r.reasonCode ?? []),
  ],
  MedicationRequest: (r, medication) => [
    ...medicationConcepts(r, r.medicationCodeableConcept, r.medicationReference, medication),
    ...(r.reasonCode ?? []),
  ],
  MedicationAdministration: (r, medication) => [
    ...medicationConcepts(r, r.medicationCodeableConcept, r.medicationReference, medication),
    ...(r.reasonCode ?? []),
  ],
  Immunization: (r) => [r.vaccineCode, ...(r.reasonCode ?? [])],
  ServiceRequest: (r) => [r.code, ...(r.reasonCode ?? [])],
  Encounter: (r) => [...(r.type ?? []), r.serviceType, ...(r.reasonCode ?? [])],
  Appointment: (r) => [
    ...(r.serviceType ?? []),
    ...(r.specialty ?? []),
    r.appointmentType,
    ...(r.reasonCode ?? []),
  ],
  DocumentReference: (r) => [r.type, ...(r.category ?? []), ...(r.context?.event ?? [])],
  CarePlan: (r) => [
    ...(r.category ?? []),
    ...(r.activity ?? []).flatMap((a) => [a.detail?.code, ...(a.detail?.reasonCode ?? [])]),
  ],
  CareTeam: (r) => [...(r.category ?? []), ...(r.reasonCode ?? [])],
  DiagnosticReport: (r) => [r.code, ...(r.category ?? []), ...(r.conclusionCode ?? [])],
  Procedure: (r) => [r.code, r.category, ...(r.reasonCode ?? [])],
  RelatedPerson: (r) => [...(r.relationship ?? [])],
  EpisodeOfCare: (r) => [...(r.type ?? [])],
};

/**
 * The concepts a resource is coded with: a record resource's (above), a Medication's code, a Specimen's type; none for the
 * other supporting resources (practitioners, organisations, locations, provenance), which only labels withhold.
 */
export function codedConcepts(resource: Resource, medication: MedicationLookup): CodeableConcept[] {
  if (resource.resourceType === 'Medication') return resource.code ? [resource.code] : [];
  if (resource.resourceType === 'Specimen') return resource.type ? [resource.type] : [];
  const read = (CODED_ELEMENTS as Partial<Record<string, (r: Resource, m: MedicationLookup) => Concepts>>)[
    resource.resourceType
  ];
  return (read?.(resource, medication) ?? []).filter((c): c is CodeableConcept => c !== undefined);
}
