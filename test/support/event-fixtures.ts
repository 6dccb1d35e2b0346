import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import { TOPICS, type TopicCode } from '../../broker/events/event-topics';
import {
  FILTER_CRITERIA_URL,
  HEARTBEAT_PERIOD_URL,
  PAYLOAD_CONTENT_URL,
} from '../../broker/events/subscription-record';

/** An R4 Subscription (Backport IG) to a topic, filtered on an ODS code, to a rest-hook endpoint. */
export function subscriptionTo(options: {
  topic?: TopicCode;
  ods: string;
  endpoint: string;
  heartbeatSeconds?: number;
  payloadContent?: string;
}): Record<string, unknown> {
  const topic = TOPICS[options.topic ?? 'ambulance-arrival'];
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Patients coming to our emergency department',
    criteria: topic.url,
    _criteria: {
      extension: [
        { url: FILTER_CRITERIA_URL, valueString: `Encounter?${topic.filterParameter}=${options.ods}` },
      ],
    },
    channel: {
      type: 'rest-hook',
      endpoint: options.endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: options.payloadContent ?? 'id-only' }] },
      ...(options.heartbeatSeconds
        ? { extension: [{ url: HEARTBEAT_PERIOD_URL, valueUnsignedInt: options.heartbeatSeconds }] }
        : {}),
    },
  };
}

/** The ambulance service's status change for an incident. */
export function incidentEvent(options: {
  incidentId: string;
  nhsNumber: string;
  status?: 'dispatched' | 'at-patient' | 'conveying' | 'handed-over';
  destination?: string;
}): Record<string, unknown> {
  const status = options.status ?? 'conveying';
  return {
    incidentId: options.incidentId,
    status,
    nhsNumber: options.nhsNumber,
    occurredAt: new Date().toISOString(),
    ...(status === 'conveying' || status === 'handed-over'
      ? { destination: { odsCode: options.destination ?? 'R1X' } }
      : {}),
    ...(status === 'conveying' ? { eta: new Date(Date.now() + 12 * 60_000).toISOString() } : {}),
  };
}

/** An objection to all sharing, as the privacy officer records it. */
export function objectionConsent(nhsNumber: string): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    dateTime: new Date().toISOString(),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: { type: 'deny', period: { start: '2020-01-01' } },
  };
}
