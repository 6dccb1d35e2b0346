import type { Condition } from '@medplum/fhirtypes';
import {
  conceptCode,
  conceptText,
  firstConceptText,
  joinParts,
  notesText,
  optional,
  periodStart,
} from './fhir-text';
import type { ItemContent } from './record-types';

/** The verification status, when it is anything but confirmed (provisional, differential, refuted…). */
export function unconfirmed(verification: Condition['verificationStatus']): string | undefined {
  const code = conceptCode(verification);
  return code && code !== 'confirmed' ? conceptText(verification) : undefined;
}

/** A condition: its concept, dated by onset (else when recorded), with severity, body site and notes. */
export function readCondition(condition: Condition): ItemContent {
  return {
    ...optional(
      'date',
      condition.onsetDateTime ?? periodStart(condition.onsetPeriod) ?? condition.recordedDate,
    ),
    ...optional('title', conceptText(condition.code)),
    ...optional(
      'detail',
      joinParts([
        conceptText(condition.severity),
        firstConceptText(condition.bodySite),
        unconfirmed(condition.verificationStatus),
        notesText(condition.note),
      ]),
    ),
    ...optional('status', conceptCode(condition.clinicalStatus)),
  };
}
