import type { DocumentReference } from '@medplum/fhirtypes';
import { ODS_CODE_SYSTEM } from '../../../core/fhir/systems';
import { incidentIds } from './fhir-ids';
import type { IncidentContext } from './incident-context';
import { DOCUMENT_TYPES, codeable } from './r4-codes';

/**
 * The handover note as a text/plain attachment, byte for byte. Conveyed: the transfer-of-care handover
 * given to the receiving hospital; not conveyed: the record of care left with the patient.
 */
export function toR4DocumentReference(context: IncidentContext, note: string): DocumentReference {
  const { incident } = context;
  const conveyed = incident.conveyance.conveyed;
  const type = conveyed ? DOCUMENT_TYPES.handover : DOCUMENT_TYPES.careRecord;
  const title = conveyed ? 'Ambulance patient handover' : 'Ambulance patient care record';
  const date = incident.handoverAt ?? incident.leftSceneAt ?? incident.lastUpdated;
  const data = Buffer.from(note, 'utf8');
  const end = conveyed ? incident.handoverAt : incident.leftSceneAt;
  return {
    resourceType: 'DocumentReference',
    id: incidentIds.document(context.key),
    meta: context.meta,
    status: 'current',
    docStatus: 'final',
    type: codeable(type, type.display),
    subject: context.patient,
    date,
    custodian: {
      identifier: { system: ODS_CODE_SYSTEM, value: context.organisation.odsCode },
      display: context.organisation.name,
    },
    description:
      conveyed && incident.conveyance.destination
        ? `Handover at ${incident.conveyance.destination.name}`
        : title,
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          language: 'en-GB',
          data: data.toString('base64'),
          size: data.length,
          title,
          creation: date,
        },
      },
    ],
    context: {
      encounter: [context.encounter],
      period: { start: incident.callReceivedAt, ...(end ? { end } : {}) },
    },
  };
}
