import type { Coding, Meta, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { toInstant } from './clock';
import type { SimOrganisation } from './organisations';
import type { SimPerson } from './types';

/** Prefixes of clinical resource ids: `{prefix}-{n}`, unique within a node. */
export const ID_PREFIXES = {
  Condition: 'cond',
  MedicationStatement: 'med',
  AllergyIntolerance: 'alg',
  Observation: 'obs',
  DocumentReference: 'doc',
  CarePlan: 'cp',
  CareTeam: 'ct',
  Appointment: 'appt',
  Encounter: 'enc',
  Flag: 'flag',
  DiagnosticReport: 'dr',
  Specimen: 'spec',
  Procedure: 'proc',
  RelatedPerson: 'rp',
  EpisodeOfCare: 'eoc',
  Consent: 'consent',
} as const;
export type IdPrefixedType = keyof typeof ID_PREFIXES;

/** What every resource builder needs to know about the record it writes into. */
export interface RecordContext {
  readonly organisation: SimOrganisation;
  readonly person: SimPerson;
  /** `{ reference: 'Patient/{localId}' }` of this node. */
  readonly patient: Reference<Patient>;
  readonly referenceMs: number;
  /** The next free id for this resource type in this node. */
  nextId(resourceType: IdPrefixedType): string;
}

/**
 * meta.lastUpdated is when the source last touched the entry: never after the reference date.
 * Security labels travel with the entry, as sources send them.
 */
export function resourceMeta(context: RecordContext, updatedMs: number, security?: readonly Coding[]): Meta {
  const lastUpdated = toInstant(Math.min(updatedMs, context.referenceMs));
  return security && security.length > 0 ? { lastUpdated, security: [...security] } : { lastUpdated };
}

/** A clinician or team named by display only: the nodes serve no Practitioner resources. */
export function displayReference<T extends Resource>(display: string): Reference<T> {
  return { display };
}

/** A reference to another resource of the same node's record. */
export function localReference<T extends Resource>(
  resourceType: T['resourceType'],
  id: string,
): Reference<T> {
  return { reference: `${resourceType}/${id}` };
}
