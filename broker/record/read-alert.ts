import type { Flag } from '@medplum/fhirtypes';
import { conceptText, firstConceptText, joinParts, optional, periodStart, referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** An important alert (Flag): what to be aware of, its category and who raised it. */
export function readAlert(flag: Flag, ctx: ReaderContext): ItemContent {
  return {
    ...optional('date', periodStart(flag.period)),
    ...optional('title', conceptText(flag.code)),
    ...optional(
      'detail',
      joinParts([firstConceptText(flag.category), referenceText(flag.author, ctx.resolve)]),
    ),
    ...optional('status', flag.status),
  };
}
