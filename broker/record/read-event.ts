import type { Encounter, Immunization } from '@medplum/fhirtypes';
import {
  conceptText,
  firstConceptText,
  joinParts,
  notesText,
  optional,
  periodStart,
  quantityText,
  referenceText,
} from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** An encounter: what kind, the service and provider (the setting: community, mental health, emergency…), why, and the outcome. */
export function readEncounter(encounter: Encounter, ctx: ReaderContext): ItemContent {
  const type = firstConceptText(encounter.type);
  const service = conceptText(encounter.serviceType);
  const title = type ?? service ?? encounter.class?.display;
  return {
    ...optional('date', periodStart(encounter.period)),
    ...optional('title', title),
    ...optional(
      'detail',
      joinParts([
        title === service ? undefined : service,
        referenceText(encounter.serviceProvider, ctx.resolve),
        joinParts(encounter.reasonCode?.map(conceptText), ', '),
        conceptText(encounter.hospitalization?.dischargeDisposition),
      ]),
    ),
    ...optional('status', encounter.status),
  };
}

/** A vaccination: the vaccine, dose, route and site, who gave it. */
export function readImmunization(immunization: Immunization, ctx: ReaderContext): ItemContent {
  return {
    ...optional('date', immunization.occurrenceDateTime ?? immunization.recorded),
    ...optional('title', conceptText(immunization.vaccineCode)),
    ...optional(
      'detail',
      joinParts([
        quantityText(immunization.doseQuantity),
        conceptText(immunization.route),
        conceptText(immunization.site),
        ...(immunization.performer ?? []).map((p) => referenceText(p.actor, ctx.resolve)),
        notesText(immunization.note),
      ]),
    ),
    ...optional('status', immunization.status),
  };
}
