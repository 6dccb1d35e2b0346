import type { Appointment } from '@medplum/fhirtypes';
import { conceptText, firstConceptText, joinParts, nonEmpty, optional, referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** An appointment: the service, what it is for and who it is with; flagged `upcoming` when it starts after now. */
export function readAppointment(appointment: Appointment, ctx: ReaderContext): ItemContent {
  const description = nonEmpty(appointment.description);
  const title =
    firstConceptText(appointment.serviceType) ??
    firstConceptText(appointment.specialty) ??
    description ??
    conceptText(appointment.appointmentType);
  const withWhom = (appointment.participant ?? [])
    .filter((p) => !p.actor?.reference?.startsWith('Patient/'))
    .map((p) => referenceText(p.actor, ctx.resolve));
  const start = nonEmpty(appointment.start);
  const startsAt = start ? Date.parse(start) : Number.NaN;
  return {
    ...optional('date', start),
    ...optional('title', title),
    ...optional('detail', joinParts([title === description ? undefined : description, ...withWhom])),
    ...optional('status', appointment.status),
    ...(!Number.isNaN(startsAt) && startsAt > ctx.now.getTime() ? { upcoming: true } : {}),
  };
}
