import type { Resource } from '@medplum/fhirtypes';
import type { RecordResourceType } from '../../../core/fhir/resource-types';
import type { Incident } from '../epcr-schema';
import { toR4Condition } from './condition';
import { toR4DocumentReference } from './document-reference';
import { toR4Encounter } from './encounter';
import { incidentContext, type EpcrOrganisation } from './incident-context';
import { toR4MedicationAdministration } from './medication-administration';
import { toR4Observations } from './observations';

/** The record types one ePCR incident can become. */
export const EPCR_RESOURCE_TYPES = [
  'Encounter',
  'Observation',
  'Condition',
  'MedicationAdministration',
  'DocumentReference',
] as const satisfies readonly RecordResourceType[];

export interface IncidentToR4Options {
  readonly patientId: string;
  readonly organisation: EpcrOrganisation;
  /** Only these types are produced. */
  readonly types: readonly RecordResourceType[];
}

/**
 * One ePCR incident as FHIR R4: its Encounter, the observations of each set, the clinical impression,
 * the drugs given and the handover note, each referring to the patient and to the Encounter.
 */
export function incidentToR4(incident: Incident, options: IncidentToR4Options): Resource[] {
  const context = incidentContext(incident, options.patientId, options.organisation);
  const wants = (type: RecordResourceType): boolean => options.types.includes(type);
  const resources: Resource[] = [];
  if (wants('Encounter')) resources.push(toR4Encounter(context));
  if (wants('Observation'))
    incident.observations.forEach((set, index) =>
      resources.push(...toR4Observations(context, set, index + 1)),
    );
  if (wants('Condition')) resources.push(toR4Condition(context));
  if (wants('MedicationAdministration'))
    incident.drugsAdministered.forEach((drug, index) =>
      resources.push(toR4MedicationAdministration(context, drug, index + 1)),
    );
  if (wants('DocumentReference') && incident.handoverNote && incident.handoverNote.trim().length > 0)
    resources.push(toR4DocumentReference(context, incident.handoverNote));
  return resources;
}
