import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import { JournalRequestRejected, type Journal, type NewJournalEntry } from '../audit/journal/journal';
import { AUDIT_ACTION_SYSTEM } from '../audit/audit-event';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry-policy';
import type { Logger } from '../observability/logger';
import { deadLetterEntry } from './dead-letters';
import { TOPICS } from './event-topics';
import { inSpan, SPAN } from '../observability/spans';
import { notificationBundle } from './notification-bundle';
import { careEventOf, notificationBodySchema, type NotificationJob } from './notification-entry';
import type { NotificationMetrics } from './notification-metrics';
import type { NotificationSender, SendResult } from './notification-sender';
import type { SubscriptionRecord } from './subscription-record';
import type { SubscriptionStore } from './subscription-store';

/**
 * Outbox marks on notification (and redelivery) entries: `notify` once handled (delivered or given up),
 * `dead-letter` when given up; giving up also appends a `notification-dead-letter` entry (dead-letters.ts).
 */
export const NOTIFY_SINK = 'notify';
export const DEAD_LETTER_SINK = 'dead-letter';

/** Delivery stopped because the process is closing: the journal still lists the notification. */
export class DeliveryStopped extends Error {
  constructor() {
    super('Notification delivery stopped');
    this.name = 'DeliveryStopped';
  }
}

export interface NotificationDelivererOptions {
  readonly journal: Journal;
  readonly subscriptions: SubscriptionStore;
  readonly sender: NotificationSender;
  readonly metrics: NotificationMetrics;
  readonly logger: Logger;
  readonly retry: Pick<RetryPolicy, 'attempts' | 'backoffMs' | 'jitter'>;
  /** The broker's public FHIR base URL, for the references notifications carry. */
  readonly baseUrl: () => string;
  readonly broker: { readonly id: string; readonly odsCode: string };
  /** Something was sent to the subscriber (its heartbeat can wait). */
  readonly onAttempt?: (subscriptionId: string) => void;
}

/**
 * Delivers one notification, retrying in place (exponential backoff with jitter) so that the next
 * notification for the same subscriber waits behind it: order per subscriber is kept, and only that
 * subscriber's lane waits. Every attempt is audited; after the last one the notification is
 * dead-lettered (journal and metric) and the lane moves on.
 */
export class NotificationDeliverer {
  constructor(private readonly options: NotificationDelivererOptions) {}

  async deliver(job: NotificationJob, signal: AbortSignal): Promise<'delivered' | 'dead-letter' | 'skipped'> {
    const { journal } = this.options;
    // A redelivery is handled (marked) as itself; the notification it sends again is unchanged.
    const handledId = job.redeliveryId ?? job.notificationId;
    if (job.redeliveryId && (await journal.get(job.redeliveryId))?.stream !== 'notification-redelivery')
      return 'skipped';
    const entry = await journal.get(job.notificationId);
    if (!entry || entry.stream !== 'notification') return 'skipped';
    const body = notificationBodySchema.parse(entry.body);
    const eventEntry = await journal.get(body.eventId);
    // From the briefly cached set (a subscription turned off stops receiving within its half-second), or
    // the journal when the cache is older than the subscription (made on another pod a moment ago).
    const subscription =
      (await this.options.subscriptions.all()).get(body.subscriptionId) ??
      (await this.options.subscriptions.get(body.subscriptionId));
    if (!eventEntry || !subscription || subscription.status === 'off') {
      await journal.markDelivered(handledId, NOTIFY_SINK);
      return 'skipped';
    }
    const event = careEventOf(eventEntry);
    const { attempts } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new DeliveryStopped();
      const bundle = notificationBundle({
        baseUrl: this.options.baseUrl(),
        subscription,
        type: 'event-notification',
        eventsSinceStart: body.eventNumber,
        events: [{ eventNumber: body.eventNumber, event }],
      });
      const timeoutMs = subscription.timeoutSeconds ? subscription.timeoutSeconds * 1000 : undefined;
      const result = await inSpan(
        SPAN.notificationAttempt,
        { 'hie.subscription.id': subscription.id, 'hie.notification.attempt': attempt },
        async (span) => {
          const sent = await this.options.sender.send(subscription.endpoint, bundle, entry.id, timeoutMs);
          span.setAttribute('hie.notification.outcome', sent.outcome);
          return sent;
        },
      );
      this.options.metrics.attempts.inc({ outcome: result.outcome });
      this.options.onAttempt?.(subscription.id);
      const last = result.outcome !== 'delivered' && attempt >= attempts;
      await this.audit({
        notificationId: entry.id,
        subscription,
        nhsNumber: event.nhsNumber,
        result,
        attempt,
        last,
        redelivery: job.redeliveryId !== undefined,
      });
      if (result.outcome === 'delivered') {
        await journal.markDelivered(handledId, NOTIFY_SINK);
        // Event-to-subscriber latency is the pipeline's; a redelivery's waited for an administrator.
        if (!job.redeliveryId)
          this.options.metrics.latency.observe(
            { topic: subscription.topic },
            (Date.now() - Date.parse(eventEntry.recorded)) / 1000,
          );
        return 'delivered';
      }
      if (last) {
        // The dead letter first (what administrators list and redeliver), then the marks: a crash
        // between them brings the job back, whose dead letter (the same id) the journal already has.
        await appendOnce(
          journal,
          deadLetterEntry({
            notificationId: entry.id,
            redeliveryId: job.redeliveryId,
            subscription,
            eventId: eventEntry.id,
            eventRecorded: eventEntry.recorded,
            attempts: attempt,
            last: result,
          }),
        );
        await journal.markDelivered(handledId, DEAD_LETTER_SINK);
        await journal.markDelivered(handledId, NOTIFY_SINK);
        this.options.metrics.deadLettered.inc({ topic: subscription.topic });
        this.options.logger.warn(
          {
            notificationId: entry.id,
            subscriptionId: subscription.id,
            attempts: attempt,
            outcome: result.outcome,
          },
          'notification dead-lettered',
        );
        return 'dead-letter';
      }
      await sleep(
        retryDelayMs({ ...this.options.retry, keepCompletedMs: 0, keepCompletedCount: 0 }, attempt),
        signal,
      );
    }
  }

  /** Each attempt, as an AuditEvent in the journal: who was told what (by reference), when, and how it went. */
  private async audit(a: {
    notificationId: string;
    subscription: SubscriptionRecord;
    nhsNumber: string;
    result: SendResult;
    attempt: number;
    last: boolean;
    redelivery: boolean;
  }): Promise<void> {
    const id = randomUUID();
    const recorded = new Date().toISOString();
    const outcome = a.result.outcome === 'delivered' ? '0' : a.last ? '8' : '4';
    const event: AuditEvent = {
      resourceType: 'AuditEvent',
      id,
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
      subtype: [{ system: AUDIT_ACTION_SYSTEM, code: 'notification-delivery' }],
      action: 'C',
      recorded,
      outcome,
      outcomeDesc: `${a.redelivery ? 'Redelivery attempt' : 'Attempt'} ${a.attempt}: ${a.result.outcome}${a.result.status ? ` (HTTP ${a.result.status})` : ''}${a.last ? '; dead-lettered' : ''}`,
      agent: [
        {
          requestor: false,
          who: {
            identifier: { system: ODS_CODE_SYSTEM, value: this.options.broker.odsCode },
            display: this.options.broker.id,
          },
        },
        {
          requestor: false,
          who: {
            identifier: { system: ODS_CODE_SYSTEM, value: a.subscription.ownerOds },
            display: a.subscription.owner,
          },
          network: { address: new URL(a.subscription.endpoint).host, type: '5' },
        },
      ],
      source: { observer: { display: this.options.broker.id } },
      entity: [
        { what: { identifier: { system: NHS_NUMBER_SYSTEM, value: a.nhsNumber } }, type: { code: '1' } },
        {
          what: { reference: `Subscription/${a.subscription.id}` },
          description: TOPICS[a.subscription.topic].url,
        },
        { what: { identifier: { value: a.notificationId } }, description: 'notification id' },
      ],
    };
    await this.options.journal.append([
      {
        id,
        stream: 'audit',
        recorded,
        keys: {
          patient: a.nhsNumber,
          user: a.subscription.owner,
          organisation: a.subscription.ownerOds,
          action: 'notification-delivery',
          outcome,
          ref: a.notificationId,
        },
        body: event,
      },
    ]);
  }
}

/** Appends an entry whose id is derived (the same on every try): already there is as good as appended. */
async function appendOnce(journal: Journal, entry: NewJournalEntry): Promise<void> {
  try {
    await journal.append([entry]);
  } catch (error) {
    if (!(error instanceof JournalRequestRejected) || !(await journal.get(entry.id))) throw error;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DeliveryStopped());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new DeliveryStopped());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
