import type { Procedure } from '@medplum/fhirtypes';
import {
  conceptText,
  firstConceptText,
  joinParts,
  notesText,
  optional,
  periodStart,
  referenceText,
} from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** An operation or procedure: what, when, on which body site, by whom, where, and its outcome. */
export function readProcedure(procedure: Procedure, ctx: ReaderContext): ItemContent {
  return {
    ...optional(
      'date',
      procedure.performedDateTime ?? periodStart(procedure.performedPeriod) ?? procedure.performedString,
    ),
    ...optional('title', conceptText(procedure.code)),
    ...optional(
      'detail',
      joinParts([
        joinParts((procedure.bodySite ?? []).map(conceptText), ', '),
        ...(procedure.performer ?? []).map((p) => referenceText(p.actor, ctx.resolve)),
        referenceText(procedure.location, ctx.resolve),
        firstConceptText(procedure.reasonCode),
        conceptText(procedure.outcome),
        notesText(procedure.note),
      ]),
    ),
    ...optional('status', procedure.status),
  };
}
