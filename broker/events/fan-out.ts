import type { AuditEvent } from '@medplum/fhirtypes';
import { AUDIT_ACTION_SYSTEM } from '../audit/audit-event';
import type { JournalEntry, Journal } from '../audit/journal/journal';
import { JournalRequestRejected } from '../audit/journal/journal';
import type { ObjectionRegister } from '../governance/objection-register';
import type { Logger } from '../observability/logger';
import type { NotificationMetrics } from './notification-metrics';
import type { CareEvent } from './care-event';
import {
  careEventOf,
  notificationBodySchema,
  notificationId,
  numberClaimId,
  type NotificationBody,
} from './notification-entry';
import type { SubscriptionRecord } from './subscription-record';
import type { SubscriptionStore } from './subscription-store';

/** Attempts at a number before giving up (the next sweep tries again): pods racing for one subscription. */
const MAX_CLAIMS = 50;

/**
 * From one recorded event to its notifications: one per active subscription whose topic and filter
 * match, unless the event's focus is sensitive (decided at receipt by the sensitive-data policy) or the
 * patient objects (to all sharing, or to sharing from the event's source) — then none is made. Each notification is committed to the journal (stream `notification`) before any
 * delivery, with an id derived from (subscription, event), so a second fan-out adds nothing.
 */
export class FanOut {
  constructor(
    private readonly options: {
      readonly journal: Journal;
      readonly subscriptions: SubscriptionStore;
      readonly objections: ObjectionRegister;
      readonly metrics: NotificationMetrics;
      readonly logger: Logger;
    },
  ) {}

  /** The number of notifications made for the event. */
  async run(entry: JournalEntry): Promise<number> {
    const event = careEventOf(entry);
    if (!event.filterOds) return 0;
    const matching = (await this.options.subscriptions.active()).filter(
      (s) => s.topic === event.topic && s.filterOds === event.filterOds,
    );
    if (matching.length === 0) return 0;
    if (event.withheld) {
      await this.withhold(entry, 'sensitive-data', matching.length);
      return 0;
    }
    const objection = await this.options.objections.check(event.nhsNumber, new Date(entry.recorded));
    if (objection.all || objection.organisations.has(event.source.odsCode)) {
      await this.withhold(entry, 'objection', matching.length);
      return 0;
    }
    let made = 0;
    for (const subscription of matching) if (await this.notify(entry, event, subscription)) made += 1;
    return made;
  }

  /**
   * Commits the event's notification for one subscription with the next events-since-start number.
   * The number is claimed in the same atomic append (a `notification-number` entry whose id is unique
   * per subscription and number): when another pod took that number first, the append records nothing
   * and this one reads the latest again and takes the next; when it had already made this very
   * notification, there is nothing to do. No number is given twice, none is skipped.
   */
  private async notify(
    entry: JournalEntry,
    event: CareEvent,
    subscription: SubscriptionRecord,
  ): Promise<boolean> {
    const id = notificationId(subscription.id, entry.id);
    for (let attempt = 0; attempt < MAX_CLAIMS; attempt++) {
      const eventNumber = (await this.latestNumber(subscription.id)) + 1;
      const body: NotificationBody = { subscriptionId: subscription.id, eventId: entry.id, eventNumber };
      const recorded = new Date().toISOString();
      try {
        await this.options.journal.append([
          {
            id,
            stream: 'notification',
            recorded,
            keys: {
              patient: event.nhsNumber,
              user: subscription.owner,
              organisation: subscription.filterOds,
              action: `${event.topic}/${event.event}`,
              ref: subscription.id,
            },
            body,
          },
          {
            id: numberClaimId(subscription.id, eventNumber),
            stream: 'notification-number',
            recorded,
            keys: { ref: subscription.id },
            body: { eventNumber, notificationId: id },
          },
        ]);
        return true;
      } catch (error) {
        if (!(error instanceof JournalRequestRejected)) throw error;
        // Made already (another pod, or a sweep before a crash): the notification exists once.
        if (await this.options.journal.get(id)) return false;
        // Otherwise the number was taken by another notification a moment ago: take the next.
      }
    }
    throw new Error('Could not number a notification: too many concurrent claims');
  }

  private async latestNumber(subscriptionId: string): Promise<number> {
    const [last] = await this.options.journal.query({
      stream: 'notification',
      ref: subscriptionId,
      order: 'newest-first',
      limit: 1,
    });
    return last ? notificationBodySchema.parse(last.body).eventNumber : 0;
  }

  /**
   * No notification for a matching subscription: counted (metric), logged and audited by reason and
   * count only — the audit entry names the event by id, not the patient, the subscribers or the codes.
   * Its id is derived from the event, so a second fan-out (another pod) audits nothing more.
   */
  private async withhold(entry: JournalEntry, reason: SuppressReason, count: number): Promise<void> {
    this.options.metrics.suppressed.inc({ reason }, count);
    this.options.logger.info({ eventId: entry.id, subscriptions: count, reason }, 'notifications withheld');
    const id = notificationId(entry.id, `withheld/${reason}`);
    const recorded = new Date().toISOString();
    const audit: AuditEvent = {
      resourceType: 'AuditEvent',
      id,
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
      subtype: [{ system: AUDIT_ACTION_SYSTEM, code: 'notification-withheld' }],
      action: 'C',
      recorded,
      outcome: '0',
      outcomeDesc: `${count} notification(s) withheld: ${reason}`,
      agent: [{ requestor: false, who: { display: 'hie-broker' } }],
      source: { observer: { display: 'hie-broker' } },
      entity: [{ what: { identifier: { value: entry.id } }, description: 'event id' }],
    };
    try {
      await this.options.journal.append([
        {
          id,
          stream: 'audit',
          recorded,
          keys: { action: 'notification-withheld', outcome: '0', ref: entry.id },
          body: audit,
        },
      ]);
    } catch (error) {
      if (!(error instanceof JournalRequestRejected)) throw error;
    }
  }
}

export const SUPPRESS_REASONS = ['objection', 'sensitive-data'] as const;
export type SuppressReason = (typeof SUPPRESS_REASONS)[number];
