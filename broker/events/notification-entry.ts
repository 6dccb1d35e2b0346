import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JournalEntry } from '../audit/journal/journal';
import type { CareEvent } from './care-event';

/** A notification as the journal keeps it (stream `notification`): which event, to which subscription, its number there. */
export const notificationBodySchema = z.strictObject({
  subscriptionId: z.uuid(),
  eventId: z.uuid(),
  eventNumber: z.number().int().positive(),
});
export type NotificationBody = z.infer<typeof notificationBodySchema>;

/** A delivery job: references only (no NHS number, no content sits in Redis). */
export const notificationJobSchema = z.strictObject({
  notificationId: z.uuid(),
  subscriptionId: z.uuid(),
  /** Present when an administrator asked for a dead-lettered notification again: that request's entry. */
  redeliveryId: z.uuid().optional(),
});
export type NotificationJob = z.infer<typeof notificationJobSchema>;

/** One id per (subscription, event), the same on every pod and every sweep: fanning out twice adds nothing. */
export function notificationId(subscriptionId: string, eventId: string): string {
  return uuidOf(`${subscriptionId}/${eventId}`);
}

/** One id per (subscription, events-since-start number): the journal takes each once, so no number is given twice. */
export function numberClaimId(subscriptionId: string, eventNumber: number): string {
  return uuidOf(`${subscriptionId}#${eventNumber}`);
}

/** What a lane holds a job by (and BullMQ's job id): a redelivery is a job of its own. */
export const jobKey = (job: NotificationJob): string => job.redeliveryId ?? job.notificationId;

/** A UUID derived from the text: the same text gives the same id, so the journal takes it once. */
export function uuidOf(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  // A UUID's shape (version 8, RFC 9562 custom), so that the journal's uuid column takes it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const careEventOf = (entry: JournalEntry): CareEvent => entry.body as CareEvent;
