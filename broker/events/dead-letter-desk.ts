import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import type { AuditRequest } from '../audit/audit-event';
import { AuditUnavailable, type AuditTrail } from '../audit/audit-trail';
import type { JournalEntry } from '../audit/journal/journal';
import {
  deadLetterBodySchema,
  redeliveryIdOf,
  type DeadLetterBody,
  type RedeliveryBody,
} from './dead-letters';
import { SubscriptionStore } from './subscription-store';

/** A redelivery the desk refuses: no such notification, or it is not dead-lettered now. */
export class RedeliveryRefused extends OutcomeError {
  constructor(kind: 'not-found' | 'conflict', text: string) {
    super(kind, outcomeOf(kind, text));
    this.name = 'RedeliveryRefused';
  }
}

/** A dead-lettered notification as administrators see it: the subscriber and why, never the patient. */
export interface DeadLetterItem extends Omit<DeadLetterBody, 'redeliveryId'> {
  readonly status: 'dead-letter';
  /** When the broker gave up on it. */
  readonly deadLettered: string;
  /** Whether it had been redelivered before (and failed again). */
  readonly redelivered: boolean;
}

const SCAN_BATCH = 200;

/**
 * The administrators' view of notifications given up on: which are dead (the latest dead letter of a
 * notification not yet redelivered), and a redelivery onto the subscriber's lane, once per dead letter.
 * Both are journal entries; nothing is edited.
 */
export class DeadLetterDesk {
  private readonly subscriptions: SubscriptionStore;

  constructor(
    private readonly options: {
      readonly trail: AuditTrail;
      /** A redelivery was committed: the relay may queue it now rather than at its next sweep. */
      readonly onRedelivery?: () => void;
    },
  ) {
    this.subscriptions = new SubscriptionStore(options.trail.journal);
  }

  /** Dead-lettered notifications, newest first: up to `limit`, given up on within [from, to). */
  async list(filter: { from?: string; to?: string; limit: number }): Promise<DeadLetterItem[]> {
    const { journal } = this.options.trail;
    const items: DeadLetterItem[] = [];
    let beforeSeq: number | undefined;
    for (;;) {
      const batch = await journal.query({
        stream: 'notification-dead-letter',
        order: 'newest-first',
        limit: SCAN_BATCH,
        ...(filter.from ? { from: filter.from } : {}),
        ...(filter.to ? { to: filter.to } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
      });
      for (const entry of batch) {
        if (await journal.get(redeliveryIdOf(entry.id))) continue;
        items.push(itemOf(entry));
        if (items.length === filter.limit) return items;
      }
      if (batch.length < SCAN_BATCH) return items;
      beforeSeq = batch.at(-1)!.seq;
    }
  }

  /** Puts a dead-lettered notification back on its subscriber's lane, with its idempotency key unchanged. */
  async redeliver(notificationId: string, request: AuditRequest): Promise<RedeliveryBody> {
    const { trail } = this.options;
    const { journal } = trail;
    const notification = await journal.get(notificationId);
    if (!notification || notification.stream !== 'notification') {
      return this.refuse(request, 'not-found', 'There is no notification with this id.');
    }
    const [deadLetter] = await journal.query({
      stream: 'notification-dead-letter',
      ref: notificationId,
      order: 'newest-first',
      limit: 1,
    });
    const redeliveryId = deadLetter && redeliveryIdOf(deadLetter.id);
    const earlier = redeliveryId && (await journal.get(redeliveryId));
    if (!deadLetter || earlier) {
      return this.refuse(
        request,
        'conflict',
        earlier
          ? `This notification was sent again at ${earlier.recorded}; it is not dead-lettered now.`
          : 'This notification is not dead-lettered: it was delivered, or is still being delivered.',
      );
    }
    const { subscriptionId } = deadLetterBodySchema.parse(deadLetter.body);
    const subscription = await this.subscriptions.get(subscriptionId);
    if (!subscription || subscription.status === 'off') {
      // Queued, it would only be skipped: say so rather than answer 202 for nothing.
      return this.refuse(
        request,
        'conflict',
        'The subscription this notification was for is off: there is nowhere to send it.',
      );
    }
    const body: RedeliveryBody = { notificationId, subscriptionId, deadLetterId: deadLetter.id };
    try {
      await trail.commit({
        request,
        action: 'notification-redeliver',
        outcome: '0',
        about: { reference: `urn:uuid:${notificationId}`, display: 'dead-lettered notification' },
        entries: [
          {
            id: redeliveryId!,
            stream: 'notification-redelivery',
            keys: { ref: notificationId, user: request.requester.userId, action: 'notification-redeliver' },
            body,
          },
        ],
      });
    } catch (error) {
      // Another administrator's redelivery of the same dead letter was committed first.
      if (error instanceof AuditUnavailable && (await journal.get(redeliveryId!).catch(() => undefined))) {
        return this.refuse(
          request,
          'conflict',
          'This notification was just sent again; it is not dead-lettered now.',
        );
      }
      throw error;
    }
    this.options.onRedelivery?.();
    return body;
  }

  /** A refusal is audited too (who tried what), then answered. */
  private async refuse(request: AuditRequest, kind: 'not-found' | 'conflict', text: string): Promise<never> {
    await this.options.trail.commit({
      request,
      action: 'notification-redeliver',
      outcome: '4',
      outcomeDesc: text,
    });
    throw new RedeliveryRefused(kind, text);
  }
}

function itemOf(entry: JournalEntry): DeadLetterItem {
  const { redeliveryId, ...body } = deadLetterBodySchema.parse(entry.body);
  return {
    status: 'dead-letter',
    ...body,
    deadLettered: entry.recorded,
    redelivered: redeliveryId !== undefined,
  };
}
