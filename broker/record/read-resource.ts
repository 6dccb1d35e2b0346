import type { Resource } from '@medplum/fhirtypes';
import { readAlert } from './read-alert';
import { readAllergy } from './read-allergy';
import { readAppointment } from './read-appointment';
import { readCarePlan, readServiceRequest } from './read-care-plan';
import { readCondition } from './read-condition';
import { readDiagnosticReport } from './read-diagnostic-report';
import { readDocument } from './read-document';
import { readEpisodeOfCare } from './read-episode';
import { readEncounter, readImmunization } from './read-event';
import {
  readMedicationAdministration,
  readMedicationRequest,
  readMedicationStatement,
} from './read-medication';
import { readObservation } from './read-observation';
import { readProcedure } from './read-procedure';
import { readRelatedPerson } from './read-related-person';
import { readCareTeam } from './read-team';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** The item content of a record resource; undefined for a type the record has no reader for. */
export function readResource(resource: Resource, ctx: ReaderContext): ItemContent | undefined {
  switch (resource.resourceType) {
    case 'CareTeam':
      return readCareTeam(resource, ctx);
    case 'Appointment':
      return readAppointment(resource, ctx);
    case 'Condition':
      return readCondition(resource);
    case 'MedicationStatement':
      return readMedicationStatement(resource, ctx);
    case 'MedicationRequest':
      return readMedicationRequest(resource, ctx);
    case 'MedicationAdministration':
      return readMedicationAdministration(resource, ctx);
    case 'Flag':
      return readAlert(resource, ctx);
    case 'AllergyIntolerance':
      return readAllergy(resource);
    case 'Observation':
      return readObservation(resource);
    case 'DocumentReference':
      return readDocument(resource, ctx);
    case 'CarePlan':
      return readCarePlan(resource, ctx);
    case 'ServiceRequest':
      return readServiceRequest(resource, ctx);
    case 'Encounter':
      return readEncounter(resource, ctx);
    case 'Immunization':
      return readImmunization(resource, ctx);
    case 'DiagnosticReport':
      return readDiagnosticReport(resource, ctx);
    case 'Procedure':
      return readProcedure(resource, ctx);
    case 'RelatedPerson':
      return readRelatedPerson(resource);
    case 'EpisodeOfCare':
      return readEpisodeOfCare(resource, ctx);
    default:
      return undefined;
  }
}
