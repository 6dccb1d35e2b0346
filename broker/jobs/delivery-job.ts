import { z } from 'zod';
import type { JournalStream } from '../audit/journal/journal';

/** The external sinks committed journal entries are relayed to (config `audit.sinks`). */
export const SINK_NAMES = ['fhir', 'siem', 'alerts'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** The two delivery queues: audit shipping must not hold up privacy-officer alerts, nor the reverse. */
export const DELIVERY_QUEUES = ['audit-shipping', 'privacy-alerts'] as const;
export type DeliveryQueueName = (typeof DELIVERY_QUEUES)[number];

/** What each sink receives and on which queue: `alert-ack` and `consent` entries are never relayed. */
export const SINK_ROUTES: Readonly<
  Record<SinkName, { readonly streams: readonly JournalStream[]; readonly queue: DeliveryQueueName }>
> = {
  fhir: { streams: ['audit'], queue: 'audit-shipping' },
  siem: { streams: ['audit'], queue: 'audit-shipping' },
  alerts: { streams: ['alert'], queue: 'privacy-alerts' },
};

/**
 * A delivery job: a reference only. The worker loads the entry from the journal, so no patient data
 * (an AuditEvent names the patient) ever sits in Redis.
 */
export const deliveryJobSchema = z.strictObject({
  entryId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  sink: z.enum(SINK_NAMES),
  /** The W3C traceparent of the commit that made the entry, when traced: the delivery joins that trace. */
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional(),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/** One id per (entry, sink), the same on every sweep, so re-enqueueing a queued job is a no-op. BullMQ refuses ':'. */
export function deliveryJobId(job: DeliveryJob): string {
  return `${job.sink}-${job.entryId}`;
}
