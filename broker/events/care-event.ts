import { z } from 'zod';
import { isValidNhsNumber } from '../../core/fhir/nhs-number';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { TopicCode } from './event-topics';
import type { EventSensitivity } from './event-sensitivity';

const ods = z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code');
const nhsNumber = z.string().refine(isValidNhsNumber, 'must be a valid NHS number (10 digits, modulus 11)');
const instant = z.iso.datetime({ offset: true });
const coding = z.looseObject({ system: z.string().max(200).optional(), code: z.string().max(64).optional() });
const localId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ or -');

export const AMBULANCE_STATUSES = ['dispatched', 'at-patient', 'conveying', 'handed-over'] as const;

/** The ambulance service's incident status change (`POST /events/ambulance-incident`). */
export const ambulanceIncidentEventSchema = z
  .strictObject({
    incidentId: localId,
    status: z.enum(AMBULANCE_STATUSES),
    nhsNumber,
    occurredAt: instant,
    /** Where the patient is being taken (conveying) or was handed over (handed-over). */
    destination: z.strictObject({ odsCode: ods }).optional(),
    /** Expected arrival at the destination (conveying). */
    eta: instant.optional(),
    /** The incident's confidentiality labels (v3-Confidentiality), as on a FHIR resource's meta.security. */
    security: z.array(coding).max(10).optional(),
    /** The presenting complaint, coded (SNOMED CT): judged against the sensitive code sets, never kept. */
    presentingComplaint: z
      .array(z.looseObject({ coding: z.array(coding).max(10).optional() }))
      .max(10)
      .optional(),
    /** The ambulance service knows the patient is restricted (PDS S-flag). */
    restricted: z.boolean().optional(),
  })
  .superRefine((event, ctx) => {
    if ((event.status === 'conveying' || event.status === 'handed-over') && !event.destination)
      ctx.addIssue({
        code: 'custom',
        path: ['destination'],
        message: `is required when status is ${event.status}`,
      });
    if (event.status === 'conveying' && !event.eta)
      ctx.addIssue({ code: 'custom', path: ['eta'], message: 'is required when status is conveying' });
  });
export type AmbulanceIncidentEvent = z.infer<typeof ambulanceIncidentEventSchema>;

const identifierOf = (system: string) => z.looseObject({ system: z.literal(system), value: z.string() });

/**
 * The acute trust's Encounter change (`POST /events/encounter`): a FHIR R4 Encounter, in-progress
 * (admitted) or finished (discharged), its subject by NHS number. The patient's registered practice,
 * which the trust's PAS knows, may come as a contained Patient's generalPractitioner (ODS code).
 */
export const encounterEventSchema = z.looseObject({
  resourceType: z.literal('Encounter'),
  id: localId,
  status: z.enum(['in-progress', 'finished'], {
    error: 'must be in-progress (an admission) or finished (a discharge)',
  }),
  class: z.looseObject({ code: z.string().min(1) }),
  subject: z.looseObject({ identifier: identifierOf(NHS_NUMBER_SYSTEM).extend({ value: nhsNumber }) }),
  period: z.looseObject({ start: z.string().optional(), end: z.string().optional() }).optional(),
  contained: z
    .array(
      z.looseObject({
        resourceType: z.string(),
        generalPractitioner: z
          .array(
            z.looseObject({ identifier: identifierOf(ODS_CODE_SYSTEM).extend({ value: ods }).optional() }),
          )
          .optional(),
      }),
    )
    .max(5)
    .optional(),
});
export type EncounterEvent = z.infer<typeof encounterEventSchema>;

/**
 * What the journal keeps of an event (stream `event`): the facts a notification names and where to
 * read more, never the source's clinical content. The broker stores no clinical record.
 */
export interface CareEvent {
  readonly topic: TopicCode;
  /** conveying, handed-over, admitted, discharged (or an ambulance status no topic carries). */
  readonly event: string;
  readonly nhsNumber: string;
  readonly occurredAt: string;
  readonly source: { readonly clientId: string; readonly name: string; readonly odsCode: string };
  /** The source's own id of the incident or encounter. */
  readonly sourceId: string;
  /** The organisation the topic's filter matches: the destination or the registered practice. */
  readonly filterOds?: string;
  readonly eta?: string;
  /** Sensitive-data decision at receipt: no notifications at all. */
  readonly withheld?: EventSensitivity['withheld'];
  /** Restricted (S-flag) patient: minimal notifications (see notification-bundle.ts). */
  readonly restricted?: true;
}

export function careEventOfIncident(
  event: AmbulanceIncidentEvent,
  source: CareEvent['source'],
  sensitivity: EventSensitivity = {},
): CareEvent {
  return {
    ...sensitivity,
    topic: 'ambulance-arrival',
    event: event.status,
    nhsNumber: event.nhsNumber,
    occurredAt: event.occurredAt,
    source,
    sourceId: event.incidentId,
    ...(event.destination ? { filterOds: event.destination.odsCode } : {}),
    ...(event.eta ? { eta: event.eta } : {}),
  };
}

export function careEventOfEncounter(
  encounter: EncounterEvent,
  source: CareEvent['source'],
  sensitivity: EventSensitivity = {},
): CareEvent {
  const practice = encounter.contained
    ?.filter((r) => r.resourceType === 'Patient')
    .flatMap((p) => p.generalPractitioner ?? [])
    .find((gp) => gp.identifier)?.identifier?.value;
  const admitted = encounter.status === 'in-progress';
  return {
    ...sensitivity,
    topic: 'encounter-start-end',
    event: admitted ? 'admitted' : 'discharged',
    nhsNumber: encounter.subject.identifier.value,
    occurredAt: (admitted ? encounter.period?.start : encounter.period?.end) ?? new Date().toISOString(),
    source,
    sourceId: encounter.id,
    ...(practice ? { filterOds: practice } : {}),
  };
}
