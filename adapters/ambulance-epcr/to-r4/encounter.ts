import type { Encounter, EncounterStatusHistory } from '@medplum/fhirtypes';
import { ODS_CODE_SYSTEM } from '../../../core/fhir/systems';
import type { Incident } from '../epcr-schema';
import { incidentIds } from './fhir-ids';
import type { IncidentContext } from './incident-context';
import { ACT_CODE, ACT_PRIORITY, PARTICIPATION_TYPE } from './r4-codes';

/** ARP categories as v3-ActPriority: categories 1 and 2 are emergencies, 3 urgent, 4 and 5 routine. */
const PRIORITY = {
  1: { code: 'EM', display: 'emergency' },
  2: { code: 'EM', display: 'emergency' },
  3: { code: 'UR', display: 'urgent' },
  4: { code: 'R', display: 'routine' },
  5: { code: 'R', display: 'routine' },
} as const;

const CATEGORY_TEXT = {
  1: 'Category 1 (life-threatening)',
  2: 'Category 2 (emergency)',
  3: 'Category 3 (urgent)',
  4: 'Category 4 (less urgent)',
  5: 'Category 5 (hear and treat or referral)',
} as const;

type Category = keyof typeof PRIORITY;

/** The care episode ends at handover when conveyed, or when the crew left scene when not. */
function endOf(incident: Incident): string | undefined {
  return incident.conveyance.conveyed
    ? (incident.handoverAt ?? undefined)
    : (incident.leftSceneAt ?? undefined);
}

/**
 * Call received → at patient is kept as a `planned` status-history entry (the response), at patient → end
 * as `in-progress` (the care); the period itself is the care.
 */
function statusHistory(incident: Incident, end: string | undefined): EncounterStatusHistory[] {
  return [
    { status: 'planned', period: { start: incident.callReceivedAt, end: incident.atPatientAt } },
    { status: 'in-progress', period: { start: incident.atPatientAt, ...(end ? { end } : {}) } },
  ];
}

export function toR4Encounter(context: IncidentContext): Encounter {
  const { incident } = context;
  const category = incident.category as Category;
  const end = endOf(incident);
  const location = [incident.location.description, incident.location.postcodeDistrict]
    .filter((part) => part && part.trim().length > 0)
    .join(', ');
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: incidentIds.encounter(context.key),
    meta: context.meta,
    identifier: [
      {
        use: 'official',
        value: incident.incidentId,
        assigner: {
          identifier: { system: ODS_CODE_SYSTEM, value: context.organisation.odsCode },
          display: context.organisation.name,
        },
      },
    ],
    status: end ? 'finished' : 'in-progress',
    statusHistory: statusHistory(incident, end),
    class: { system: ACT_CODE, code: 'EMER', display: 'emergency' },
    type: [{ text: 'Emergency ambulance response' }],
    serviceType: { text: `Emergency ambulance response, ARP ${CATEGORY_TEXT[category]}` },
    priority: {
      coding: [{ system: ACT_PRIORITY, ...PRIORITY[category] }],
      text: `ARP ${CATEGORY_TEXT[category]}`,
    },
    subject: context.patient,
    period: { start: incident.atPatientAt, ...(end ? { end } : {}) },
    serviceProvider: {
      identifier: { system: ODS_CODE_SYSTEM, value: context.organisation.odsCode },
      display: context.organisation.name,
    },
  };
  if (incident.crew.length > 0) {
    encounter.participant = incident.crew.map((member) => ({
      type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'PPRF', display: 'primary performer' }] }],
      individual: { display: member.role },
    }));
  }
  if (incident.presentingComplaint.trim().length > 0) {
    encounter.reasonCode = [{ text: incident.presentingComplaint }];
  }
  if (location.length > 0) encounter.location = [{ location: { display: location } }];
  const { conveyance } = incident;
  if (conveyance.conveyed) {
    const destination = conveyance.destination;
    encounter.hospitalization = {
      dischargeDisposition: {
        text: destination ? `Conveyed to ${destination.name}` : 'Conveyed to hospital',
      },
      ...(destination
        ? {
            destination: {
              display: destination.name,
              ...(destination.odsCode
                ? { identifier: { system: ODS_CODE_SYSTEM, value: destination.odsCode } }
                : {}),
            },
          }
        : {}),
    };
  } else {
    encounter.hospitalization = {
      dischargeDisposition: {
        text: conveyance.reasonNotConveyed ? `Not conveyed: ${conveyance.reasonNotConveyed}` : 'Not conveyed',
      },
    };
  }
  return encounter;
}
