import type { Encounter, Meta, Patient, Reference } from '@medplum/fhirtypes';
import type { Incident } from '../epcr-schema';
import { incidentIds, incidentKey } from './fhir-ids';

/** The organisation whose ePCR this is: the ambulance trust. */
export interface EpcrOrganisation {
  readonly odsCode: string;
  readonly name: string;
}

/** What every resource made from one incident shares. */
export interface IncidentContext {
  readonly incident: Incident;
  /** The stem of the incident's resource ids. */
  readonly key: string;
  readonly patient: Reference<Patient>;
  readonly encounter: Reference<Encounter>;
  readonly meta: Meta;
  readonly organisation: EpcrOrganisation;
}

export function incidentContext(
  incident: Incident,
  patientId: string,
  organisation: EpcrOrganisation,
): IncidentContext {
  const key = incidentKey(incident.incidentId);
  return {
    incident,
    key,
    patient: { reference: `Patient/${patientId}` },
    encounter: { reference: `Encounter/${incidentIds.encounter(key)}` },
    meta: { lastUpdated: incident.lastUpdated },
    organisation,
  };
}
