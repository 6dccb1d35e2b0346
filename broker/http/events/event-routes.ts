import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { TraceContext } from '../../../core/source-contract';
import type { CodeableConcept, Coding, Encounter, Patient } from '@medplum/fhirtypes';
import type { EventKind, EventSystemConfig } from '../../../config/schema';
import { operationOutcome } from '../../../core/outcome-error';
import { AccessDenied } from '../../governance/access-denied';
import { AuditUnavailable } from '../../audit/audit-trail';
import { JournalUnavailable, type Journal } from '../../audit/journal/journal';
import {
  ambulanceIncidentEventSchema,
  careEventOfEncounter,
  careEventOfIncident,
  encounterEventSchema,
  type CareEvent,
} from '../../events/care-event';
import type { EventSystemRegistry } from '../../trust/event-system-registry';
import type { SystemTokens } from '../../trust/system-tokens';
import { sendFhir } from '../fhir-routes';
import { readJsonBody } from '../json-body';
import { locals } from '../request-context';
import { eventSystemOf } from './event-system-auth';
import { invalidBody } from './zod-outcome';
import { inSpan, SPAN } from '../../observability/spans';
import { judgeEvent, type EventSensitivity } from '../../events/event-sensitivity';
import type { SensitiveDataPolicy } from '../../merge/sensitive-data/sensitive-data-policy';

export interface EventRoutesOptions {
  readonly tokens: SystemTokens;
  readonly systems: EventSystemRegistry;
  readonly journal: Journal;
  readonly maxBodyBytes: number;
  /** An event was committed: fan it out now rather than at the next sweep. */
  readonly onRecorded: () => void;
  /** The view's sensitive-data policy: a sensitive event makes no notification. */
  readonly sensitiveData: SensitiveDataPolicy;
  /**
   * Whether PDS says the patient is restricted (S-flag), where PDS is configured. Resolves true when
   * PDS cannot say (fail closed: a minimal notification rather than a revealing one).
   */
  readonly restrictedByPds?: (nhsNumber: string, trace: TraceContext) => Promise<boolean>;
}

/**
 * Events in: each authenticated as its registered source system, validated, and answered 202 only
 * once committed to the journal (stream `event`), which is the outbox notifications are made from.
 */
export function eventRoutes(options: EventRoutesOptions): Router {
  const router = Router();
  const receive = <S extends z.ZodType>(
    kind: EventKind,
    schema: S,
    toCareEvent: (body: z.infer<S>, source: CareEvent['source'], sensitivity: EventSensitivity) => CareEvent,
    judge: (body: z.infer<S>) => EventSensitivity,
    nhsNumberOf: (body: z.infer<S>) => string,
  ) => {
    return async (req: Request, res: Response): Promise<void> => {
      locals(res).route = `/events/${kind}`;
      const system = await eventSystemOf(req, options.tokens, options.systems);
      if (!system.publishes.includes(kind))
        throw new AccessDenied(
          'event-kind',
          `${system.name} is not registered to send ${kind} events. Ask this broker's operator to add it to the system's events.systems publishes list.`,
        );
      const parsed = schema.safeParse(await readJsonBody(req, options.maxBodyBytes));
      if (!parsed.success) throw invalidBody(`The ${kind} event is not valid`, parsed.error);
      let sensitivity = judge(parsed.data);
      if (!sensitivity.withheld && !sensitivity.restricted && options.restrictedByPds)
        if (await options.restrictedByPds(nhsNumberOf(parsed.data), locals(res).trace))
          sensitivity = { ...sensitivity, restricted: true };
      const event = toCareEvent(parsed.data, sourceOf(system), sensitivity);
      const id = randomUUID();
      try {
        await inSpan(
          SPAN.eventReceive,
          { 'hie.event.topic': event.topic, 'hie.event.source': system.clientId },
          () =>
            options.journal.append([
              {
                id,
                stream: 'event',
                recorded: new Date().toISOString(),
                keys: {
                  patient: event.nhsNumber,
                  user: system.clientId,
                  organisation: event.filterOds ?? system.odsCode,
                  action: `${event.topic}/${event.event}`,
                  ref: event.sourceId,
                },
                body: event,
              },
            ]),
        );
      } catch (error) {
        if (error instanceof JournalUnavailable) throw new AuditUnavailable({ cause: error });
        throw error;
      }
      options.onRecorded();
      res.setHeader('Location', `/events/${id}`);
      sendFhir(
        res,
        202,
        operationOutcome(
          'information',
          'informational',
          `Event ${id} recorded; subscribers will be notified.`,
        ),
      );
    };
  };
  const policy = options.sensitiveData;
  router.post(
    '/events/ambulance-incident',
    receive(
      'ambulance-incident',
      ambulanceIncidentEventSchema,
      careEventOfIncident,
      (incident) =>
        judgeEvent(policy, {
          ...(incident.security ? { security: incident.security as Coding[] } : {}),
          ...(incident.presentingComplaint
            ? { complaints: incident.presentingComplaint as CodeableConcept[] }
            : {}),
          ...(incident.restricted !== undefined ? { restrictedFlag: incident.restricted } : {}),
        }),
      (incident) => incident.nhsNumber,
    ),
  );
  router.post(
    '/events/encounter',
    receive(
      'encounter',
      encounterEventSchema,
      careEventOfEncounter,
      (encounter) => {
        const patient = encounter.contained?.find((r) => r.resourceType === 'Patient') as Patient | undefined;
        return judgeEvent(policy, { encounter: encounter as Encounter, ...(patient ? { patient } : {}) });
      },
      (encounter) => encounter.subject.identifier.value,
    ),
  );
  return router;
}

function sourceOf(system: EventSystemConfig): CareEvent['source'] {
  return { clientId: system.clientId, name: system.name, odsCode: system.odsCode };
}
