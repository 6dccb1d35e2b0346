import type { Encounter } from '@medplum/fhirtypes';
import { toInstant } from '../clock';
import { ACT_CODE, PARTICIPATION_TYPE, coded, snomed, textOnly } from '../code-systems';
import { organisationReference } from '../organisations';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

/** Encounter classes from v3-ActCode. */
export const ENCOUNTER_CLASSES = {
  IMP: 'inpatient encounter',
  AMB: 'ambulatory',
  EMER: 'emergency',
  HH: 'home health',
  VR: 'virtual',
} as const;
export type EncounterClass = keyof typeof ENCOUNTER_CLASSES;

/** Encounter types, SNOMED CT procedures. */
export const ENCOUNTER_TYPES = {
  admission: { code: '32485007', display: 'Hospital admission' },
  emergency: { code: '4525004', display: 'Emergency department patient visit' },
  consultation: { code: '11429006', display: 'Consultation' },
  followUp: { code: '390906007', display: 'Follow-up encounter' },
  homeVisit: { code: '439708006', display: 'Home visit' },
  telephone: { code: '185317003', display: 'Telephone encounter' },
} as const;
export type EncounterTypeKey = keyof typeof ENCOUNTER_TYPES;

export interface EncounterSpec {
  readonly encounterClass: EncounterClass;
  /** A SNOMED CT encounter type, or the source's own wording where it codes none. */
  readonly type: EncounterTypeKey | { readonly text: string };
  /** Free text service, e.g. 'Respiratory medicine', 'Community mental health team'. */
  readonly service?: string;
  readonly status: 'planned' | 'in-progress' | 'finished' | 'cancelled';
  readonly startMs: number;
  readonly endMs?: number;
  readonly reason?: { readonly code: string; readonly display: string } | string;
  readonly clinician?: string;
  readonly dischargeDisposition?: string;
}

export function buildEncounter(context: RecordContext, spec: EncounterSpec): Encounter {
  const type = typeof spec.type === 'string' ? ENCOUNTER_TYPES[spec.type] : undefined;
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: context.nextId('Encounter'),
    meta: resourceMeta(context, spec.endMs ?? spec.startMs),
    status: spec.status,
    class: { system: ACT_CODE, code: spec.encounterClass, display: ENCOUNTER_CLASSES[spec.encounterClass] },
    type: [
      type
        ? snomed(type.code, type.display)
        : textOnly(typeof spec.type === 'string' ? spec.type : spec.type.text),
    ],
    subject: context.patient,
    period: {
      start: toInstant(spec.startMs),
      ...(spec.endMs === undefined ? {} : { end: toInstant(spec.endMs) }),
    },
    serviceProvider: organisationReference(context.organisation),
  };
  if (spec.service) encounter.serviceType = textOnly(spec.service);
  if (spec.reason) {
    encounter.reasonCode = [
      typeof spec.reason === 'string' ? textOnly(spec.reason) : snomed(spec.reason.code, spec.reason.display),
    ];
  }
  if (spec.clinician) {
    encounter.participant = [
      {
        type: [coded(PARTICIPATION_TYPE, 'PPRF', 'primary performer')],
        individual: displayReference(spec.clinician),
      },
    ];
  }
  if (spec.dischargeDisposition) {
    encounter.hospitalization = { dischargeDisposition: textOnly(spec.dischargeDisposition) };
  }
  return encounter;
}
