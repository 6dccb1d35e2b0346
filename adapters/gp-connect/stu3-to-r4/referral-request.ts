import type { Annotation, ServiceRequest } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import {
  asArray,
  asString,
  carryOver,
  isObject,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const SAME = [
  'identifier',
  'basedOn',
  'replaces',
  'intent',
  'priority',
  'subject',
  'occurrenceDateTime',
  'occurrencePeriod',
  'authoredOn',
  'reasonCode',
  'reasonReference',
  'supportingInfo',
  'relevantHistory',
] as const;

/** STU3 ReferralRequest statuses R4 renamed (same meaning). */
const STATUS: Readonly<Record<string, string>> = { suspended: 'on-hold', cancelled: 'revoked' };

/**
 * STU3 ReferralRequest (a GP Connect outbound referral) → R4 ServiceRequest, keeping its id: `type` is the
 * category, the first service requested is `code` (others, and the specialty, are kept as extensions),
 * `recipient` is `performer`, `groupIdentifier` is `requisition`, `context` is `encounter`, the description is
 * the first note, and `requester.agent` is the requester (`onBehalfOf` as an extension).
 */
export function convertReferralRequest(source: Stu3Resource): Converted<ServiceRequest> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: [
      'definition',
      'groupIdentifier',
      'status',
      'type',
      'serviceRequested',
      'context',
      'requester',
      'specialty',
      'recipient',
      'description',
      'note',
    ],
  });
  const services = asArray(source.serviceRequested);
  const requester = isObject(source.requester) ? source.requester : undefined;
  withExtensions(kept, [
    ...services.slice(1).map((service) =>
      stu3Extension('ReferralRequest.serviceRequested', {
        valueCodeableConcept: toR4Values(service) as object,
      }),
    ),
    source.specialty
      ? stu3Extension('ReferralRequest.specialty', {
          valueCodeableConcept: toR4Values(source.specialty) as object,
        })
      : undefined,
    requester?.onBehalfOf
      ? stu3Extension('ReferralRequest.requester.onBehalfOf', {
          valueReference: toR4Values(requester.onBehalfOf) as object,
        })
      : undefined,
    ...asArray(source.definition).map((definition) =>
      stu3Extension('ReferralRequest.definition', { valueReference: toR4Values(definition) as object }),
    ),
  ]);
  const status = asString(source.status);
  const description = asString(source.description);
  const note = [
    ...(description !== undefined ? [{ text: description }] : []),
    ...(asArray(toR4Values(source.note)) as Annotation[]),
  ];
  const resource = {
    resourceType: 'ServiceRequest',
    ...kept,
    ...(status !== undefined ? { status: STATUS[status] ?? status } : {}),
    ...(source.groupIdentifier ? { requisition: toR4Values(source.groupIdentifier) } : {}),
    ...(source.type ? { category: [toR4Values(source.type)] } : {}),
    ...(services[0] ? { code: toR4Values(services[0]) } : {}),
    ...(source.context ? { encounter: toR4Values(source.context) } : {}),
    ...(requester?.agent ? { requester: toR4Values(requester.agent) } : {}),
    ...(source.recipient ? { performer: toR4Values(source.recipient) } : {}),
    ...(note.length > 0 ? { note } : {}),
  } as ServiceRequest;
  return { resource, dropped };
}
