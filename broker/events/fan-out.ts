import type { JournalEntry, Journal } from '../audit/journal/journal';
import { JournalRequestRejected } from '../audit/journal/journal';
import type { ObjectionRegister } from '../governance/objection-register';
import type { Logger } from '../observability/logger';
import type { NotificationMetrics } from './notification-metrics';
import {
  careEventOf,
  notificationBodySchema,
  notificationId,
  type NotificationBody,
} from './notification-entry';
import type { SubscriptionStore } from './subscription-store';

/**
 * From one recorded event to its notifications: one per active subscription whose topic and filter
 * match, unless the patient objects (to all sharing, or to sharing from the event's source) — then
 * none is made. Each notification is committed to the journal (stream `notification`) before any
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
    const objection = await this.options.objections.check(event.nhsNumber, new Date(entry.recorded));
    if (objection.all || objection.organisations.has(event.source.odsCode)) {
      this.options.metrics.suppressed.inc({ reason: 'objection' }, matching.length);
      this.options.logger.info(
        { eventId: entry.id, subscriptions: matching.length },
        'notifications suppressed: objection',
      );
      return 0;
    }
    let made = 0;
    for (const subscription of matching) {
      const [last] = await this.options.journal.query({
        stream: 'notification',
        ref: subscription.id,
        order: 'newest-first',
        limit: 1,
      });
      const body: NotificationBody = {
        subscriptionId: subscription.id,
        eventId: entry.id,
        eventNumber: (last ? notificationBodySchema.parse(last.body).eventNumber : 0) + 1,
      };
      try {
        await this.options.journal.append([
          {
            id: notificationId(subscription.id, entry.id),
            stream: 'notification',
            recorded: new Date().toISOString(),
            keys: {
              patient: event.nhsNumber,
              user: subscription.owner,
              organisation: subscription.filterOds,
              action: `${event.topic}/${event.event}`,
              ref: subscription.id,
            },
            body,
          },
        ]);
        made += 1;
      } catch (error) {
        // Already fanned out (another pod, or a sweep before a crash): the notification exists once.
        if (!(error instanceof JournalRequestRejected)) throw error;
      }
    }
    return made;
  }
}
