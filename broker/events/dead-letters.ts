import { z } from 'zod';
import type { NewJournalEntry } from '../audit/journal/journal';
import { TOPICS, type TopicCode } from './event-topics';
import { uuidOf } from './notification-entry';
import { SEND_OUTCOMES, type SendResult } from './notification-sender';
import type { SubscriptionRecord } from './subscription-record';

/**
 * A notification given up on (stream `notification-dead-letter`): what an administrator needs to fix
 * the subscriber's endpoint, and nothing about the patient (no NHS number, no event content).
 */
export const deadLetterBodySchema = z.strictObject({
  notificationId: z.uuid(),
  subscriptionId: z.uuid(),
  /** The registered system (client id) that owns the subscription, and its organisation. */
  owner: z.string(),
  ownerOds: z.string(),
  topic: z.enum(Object.keys(TOPICS) as [TopicCode, ...TopicCode[]]),
  eventId: z.uuid(),
  /** When the broker recorded the event. */
  eventRecorded: z.string(),
  attempts: z.number().int().positive(),
  lastOutcome: z.enum(SEND_OUTCOMES),
  /** The subscriber's HTTP status on the last attempt, when it answered. */
  lastStatus: z.number().int().optional(),
  /** Set when it was a redelivery that failed again. */
  redeliveryId: z.uuid().optional(),
});
export type DeadLetterBody = z.infer<typeof deadLetterBodySchema>;

/** An administrator's redelivery (stream `notification-redelivery`): outbox work for the subscriber's lane. */
export const redeliveryBodySchema = z.strictObject({
  notificationId: z.uuid(),
  subscriptionId: z.uuid(),
  /** The dead letter it revives: one redelivery per dead letter. */
  deadLetterId: z.uuid(),
});
export type RedeliveryBody = z.infer<typeof redeliveryBodySchema>;

/** One dead letter per delivery given up on (the notification's, or a redelivery's): a second pod's adds nothing. */
export const deadLetterIdOf = (handledId: string): string => uuidOf(`dead-letter/${handledId}`);

/** One redelivery per dead letter: two administrators asking at once make one. */
export const redeliveryIdOf = (deadLetterId: string): string => uuidOf(`redelivery/${deadLetterId}`);

/** The journal entry that records a notification as given up on. */
export function deadLetterEntry(a: {
  readonly notificationId: string;
  readonly redeliveryId?: string | undefined;
  readonly subscription: SubscriptionRecord;
  readonly eventId: string;
  readonly eventRecorded: string;
  readonly attempts: number;
  readonly last: SendResult;
}): NewJournalEntry<DeadLetterBody> {
  const { subscription } = a;
  const body: DeadLetterBody = {
    notificationId: a.notificationId,
    subscriptionId: subscription.id,
    owner: subscription.owner,
    ownerOds: subscription.ownerOds,
    topic: subscription.topic,
    eventId: a.eventId,
    eventRecorded: a.eventRecorded,
    attempts: a.attempts,
    lastOutcome: a.last.outcome,
    ...(a.last.status !== undefined ? { lastStatus: a.last.status } : {}),
    ...(a.redeliveryId ? { redeliveryId: a.redeliveryId } : {}),
  };
  return {
    id: deadLetterIdOf(a.redeliveryId ?? a.notificationId),
    stream: 'notification-dead-letter',
    recorded: new Date().toISOString(),
    keys: {
      user: subscription.owner,
      organisation: subscription.ownerOds,
      action: 'notification-dead-letter',
      outcome: '8',
      ref: a.notificationId,
    },
    body,
  };
}
