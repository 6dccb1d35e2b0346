import type { Appointment, AppointmentParticipant, Location } from '@medplum/fhirtypes';
import { MINUTE_MS, toInstant } from '../clock';
import { APPOINTMENT_TYPE, coded, textOnly } from '../code-systems';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

const APPOINTMENT_TYPES = {
  ROUTINE: 'Routine appointment - default if not valued',
  FOLLOWUP: 'A follow up visit from a previous appointment',
  CHECKUP: 'A routine check-up, such as an annual physical',
  WALKIN: 'A previously unscheduled walk-in visit',
  EMERGENCY: 'Emergency appointment',
} as const;

export interface AppointmentSpec {
  readonly status: 'booked' | 'fulfilled' | 'cancelled' | 'noshow' | 'arrived';
  readonly appointmentType: keyof typeof APPOINTMENT_TYPES;
  /** e.g. 'Diabetes review', 'Respiratory outpatient clinic'. */
  readonly service: string;
  readonly description: string;
  readonly startMs: number;
  readonly minutes: number;
  /** When it was booked: always before the reference date. */
  readonly createdMs: number;
  readonly clinician: string;
  readonly location?: string;
}

export function buildAppointment(context: RecordContext, spec: AppointmentSpec): Appointment {
  const past = spec.startMs < context.referenceMs;
  const updatedMs = past ? spec.startMs + spec.minutes * MINUTE_MS : spec.createdMs;
  return {
    resourceType: 'Appointment',
    id: context.nextId('Appointment'),
    meta: resourceMeta(context, updatedMs),
    status: spec.status,
    serviceType: [textOnly(spec.service)],
    appointmentType: coded(APPOINTMENT_TYPE, spec.appointmentType, APPOINTMENT_TYPES[spec.appointmentType]),
    description: spec.description,
    start: toInstant(spec.startMs),
    end: toInstant(spec.startMs + spec.minutes * MINUTE_MS),
    minutesDuration: spec.minutes,
    created: toInstant(Math.min(spec.createdMs, context.referenceMs)),
    participant: [
      { actor: context.patient, required: 'required', status: 'accepted' },
      { actor: displayReference(spec.clinician), required: 'required', status: 'accepted' },
      ...(spec.location ? [locationParticipant(spec.location)] : []),
    ],
  };
}

function locationParticipant(location: string): AppointmentParticipant {
  return { actor: displayReference<Location>(location), required: 'information-only', status: 'accepted' };
}
