import { BROKER_CANONICAL } from '../../core/fhir/systems';

/** The SubscriptionTopics this broker publishes (R4: a topic is a canonical URL). */
export const TOPIC_CODES = ['ambulance-arrival', 'encounter-start-end'] as const;
export type TopicCode = (typeof TOPIC_CODES)[number];

export interface TopicDefinition {
  readonly code: TopicCode;
  readonly url: string;
  readonly title: string;
  readonly description: string;
  /** The resource type the IG's filter criteria name, e.g. `Encounter?destination=R1X`. */
  readonly resourceType: 'Encounter';
  /** The one filter parameter: it names the subscriber's own organisation (ODS code). */
  readonly filterParameter: 'destination' | 'registered-practice';
  /** The events of the topic, as they appear in notifications. */
  readonly events: readonly string[];
}

export const TOPICS: Readonly<Record<TopicCode, TopicDefinition>> = {
  'ambulance-arrival': {
    code: 'ambulance-arrival',
    url: `${BROKER_CANONICAL}/SubscriptionTopic/ambulance-arrival`,
    title: 'Incoming ambulance patient for a destination',
    description:
      'The ambulance service is conveying a patient to, or has handed a patient over at, the organisation ' +
      'the filter names (destination = its ODS code).',
    resourceType: 'Encounter',
    filterParameter: 'destination',
    events: ['conveying', 'handed-over'],
  },
  'encounter-start-end': {
    code: 'encounter-start-end',
    url: `${BROKER_CANONICAL}/SubscriptionTopic/encounter-start-end`,
    title: 'Encounter started or ended for a patient registered at a practice',
    description:
      'An acute trust admitted or discharged a patient registered at the practice the filter names ' +
      '(registered-practice = its ODS code).',
    resourceType: 'Encounter',
    filterParameter: 'registered-practice',
    events: ['admitted', 'discharged'],
  },
};

export function topicByUrl(url: string): TopicDefinition | undefined {
  return Object.values(TOPICS).find((topic) => topic.url === url);
}
