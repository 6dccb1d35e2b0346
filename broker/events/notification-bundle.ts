import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { BROKER_CANONICAL, NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { CareEvent } from './care-event';
import { TOPICS } from './event-topics';
import { BACKPORT, type SubscriptionRecord } from './subscription-record';
import { RESTRICTED_CONFIDENTIALITY } from '../merge/sensitive-data/confidentiality';

export const NOTIFICATION_TYPES = ['handshake', 'heartbeat', 'event-notification', 'query-status'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const EVENT_CODE_URL = `${BROKER_CANONICAL}/StructureDefinition/notification-event-code`;
export const EVENT_ETA_URL = `${BROKER_CANONICAL}/StructureDefinition/notification-event-eta`;

/** One event in a notification: its number in the subscription, and the event it names. */
export interface NumberedEvent {
  readonly eventNumber: number;
  readonly event: CareEvent;
}

/** Where a subscriber reads the record an event is about, through the broker (its access rules and audit apply). */
export function focusOf(baseUrl: string, event: CareEvent): string {
  return `${baseUrl}/Encounter?patient=${event.nhsNumber}`;
}

export interface StatusOptions {
  readonly baseUrl: string;
  readonly subscription: SubscriptionRecord;
  readonly type: NotificationType;
  readonly eventsSinceStart: number;
  readonly events?: readonly NumberedEvent[];
}

/**
 * The R4 Parameters form of SubscriptionStatus (Backport IG, backport-subscription-status-r4).
 *
 * A restricted (S-flag) patient's event is told in its minimal form: the event, when, the NHS number
 * and the focus (read back through the broker, where the restricted-patient rules apply) — and not the
 * source organisation, which says where the patient is or was (the hospital, the ambulance service's
 * station). The subscriber's own organisation is all else it implies, which it owns. No notification
 * ever carries an address or a registered practice. The status is labelled restricted so the receiver
 * knows why.
 */
export function subscriptionStatus(options: StatusOptions): Parameters {
  const { baseUrl, subscription } = options;
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${subscription.id}` } },
    { name: 'topic', valueCanonical: TOPICS[subscription.topic].url },
    { name: 'status', valueCode: subscription.status },
    { name: 'type', valueCode: options.type },
    // int64 in R5, a string in the R4 form.
    { name: 'events-since-subscription-start', valueString: String(options.eventsSinceStart) },
    ...(options.events ?? []).map(({ eventNumber, event }): ParametersParameter => ({
      name: 'notification-event',
      extension: [
        { url: EVENT_CODE_URL, valueCode: event.event },
        ...(event.eta ? [{ url: EVENT_ETA_URL, valueInstant: event.eta }] : []),
      ],
      part: [
        { name: 'event-number', valueString: String(eventNumber) },
        { name: 'timestamp', valueInstant: event.occurredAt },
        { name: 'focus', valueReference: { reference: focusOf(baseUrl, event) } },
        {
          name: 'additional-context',
          valueReference: {
            type: 'Patient',
            identifier: { system: NHS_NUMBER_SYSTEM, value: event.nhsNumber },
          },
        },
        ...(event.restricted
          ? []
          : [
              {
                name: 'additional-context',
                valueReference: {
                  type: 'Organization',
                  identifier: { system: ODS_CODE_SYSTEM, value: event.source.odsCode },
                  display: event.source.name,
                },
              } satisfies ParametersParameter,
            ]),
      ],
    })),
  ];
  const restricted = (options.events ?? []).some(({ event }) => event.restricted);
  return {
    resourceType: 'Parameters',
    id: randomUUID(),
    meta: {
      profile: [`${BACKPORT}/backport-subscription-status-r4`],
      ...(restricted ? { security: [RESTRICTED_CONFIDENTIALITY] } : {}),
    },
    parameter,
  };
}

/** A notification as the IG sends it: a history Bundle whose first entry is the SubscriptionStatus; id-only entries after it. */
export function notificationBundle(options: StatusOptions): Bundle {
  const status = subscriptionStatus(options);
  const entries: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:${status.id}`,
      resource: status,
      request: { method: 'GET', url: `${options.baseUrl}/Subscription/${options.subscription.id}/$status` },
      response: { status: '200' },
    },
    ...(options.events ?? []).map(({ event }): BundleEntry => ({
      request: { method: 'GET', url: focusOf(options.baseUrl, event) },
      response: { status: '200' },
    })),
  ];
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { profile: [`${BACKPORT}/backport-subscription-notification-r4`] },
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: entries,
  };
}
