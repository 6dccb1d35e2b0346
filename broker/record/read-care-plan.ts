import type { CarePlan, ServiceRequest } from '@medplum/fhirtypes';
import {
  conceptText,
  firstConceptText,
  joinParts,
  nonEmpty,
  notesText,
  optional,
  periodStart,
  referenceText,
} from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** A care plan: its title, description and each activity with its status. */
export function readCarePlan(plan: CarePlan, ctx: ReaderContext): ItemContent {
  const activities = (plan.activity ?? []).map((a) => {
    const what = nonEmpty(a.detail?.description) ?? conceptText(a.detail?.code);
    return what && a.detail?.status ? `${what} (${a.detail.status})` : what;
  });
  return {
    ...optional('date', periodStart(plan.period) ?? plan.created),
    ...optional('title', nonEmpty(plan.title) ?? firstConceptText(plan.category)),
    ...optional(
      'detail',
      joinParts([
        nonEmpty(plan.description),
        joinParts(activities, '; '),
        referenceText(plan.author, ctx.resolve),
      ]),
    ),
    ...optional('status', plan.status),
  };
}

/** A referral or request for a service: what, why, to whom. */
export function readServiceRequest(request: ServiceRequest, ctx: ReaderContext): ItemContent {
  return {
    ...optional(
      'date',
      request.authoredOn ?? request.occurrenceDateTime ?? periodStart(request.occurrencePeriod),
    ),
    ...optional('title', conceptText(request.code) ?? firstConceptText(request.category)),
    ...optional(
      'detail',
      joinParts([
        firstConceptText(request.reasonCode),
        ...(request.performer ?? []).map((p) => referenceText(p, ctx.resolve)),
        referenceText(request.requester, ctx.resolve),
        notesText(request.note),
      ]),
    ),
    ...optional('status', request.status),
  };
}
