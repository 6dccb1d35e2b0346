import type { Subscription } from '@medplum/fhirtypes';
import { z } from 'zod';
import { TOPICS, type TopicCode } from './event-topics';

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const FILTER_CRITERIA_URL = `${BACKPORT}/backport-filter-criteria`;
export const PAYLOAD_CONTENT_URL = `${BACKPORT}/backport-payload-content`;
export const HEARTBEAT_PERIOD_URL = `${BACKPORT}/backport-heartbeat-period`;
export const TIMEOUT_URL = `${BACKPORT}/backport-timeout`;

export const SUBSCRIPTION_STATUSES = ['requested', 'active', 'error', 'off'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** What the journal keeps of a Subscription (stream `subscription`; the latest entry per id is current). */
export const subscriptionRecordSchema = z.strictObject({
  id: z.uuid(),
  status: z.enum(SUBSCRIPTION_STATUSES),
  /** The registered system that made it: only it may read or end it. */
  owner: z.string(),
  ownerOds: z.string(),
  topic: z.enum(Object.keys(TOPICS) as [TopicCode, ...TopicCode[]]),
  /** The ODS code the filter names: always the owner's own organisation. */
  filterOds: z.string(),
  endpoint: z.url(),
  heartbeatSeconds: z.number().int().positive().optional(),
  timeoutSeconds: z.number().int().positive().optional(),
  reason: z.string(),
  end: z.string().optional(),
  /** Why the status is error, when it is. */
  error: z.string().optional(),
  created: z.string(),
});
export type SubscriptionRecord = z.infer<typeof subscriptionRecordSchema>;

/** The R4 Subscription (Backport IG) for a record. */
export function subscriptionResource(record: SubscriptionRecord): Subscription {
  const topic = TOPICS[record.topic];
  return {
    resourceType: 'Subscription',
    id: record.id,
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: record.status,
    reason: record.reason,
    ...(record.end ? { end: record.end } : {}),
    ...(record.error ? { error: record.error } : {}),
    criteria: topic.url,
    _criteria: {
      extension: [
        {
          url: FILTER_CRITERIA_URL,
          valueString: `${topic.resourceType}?${topic.filterParameter}=${record.filterOds}`,
        },
      ],
    },
    channel: {
      type: 'rest-hook',
      endpoint: record.endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'id-only' }] },
      extension: [
        ...(record.heartbeatSeconds
          ? [{ url: HEARTBEAT_PERIOD_URL, valueUnsignedInt: record.heartbeatSeconds }]
          : []),
        ...(record.timeoutSeconds ? [{ url: TIMEOUT_URL, valueUnsignedInt: record.timeoutSeconds }] : []),
      ],
    },
  } as Subscription;
}
