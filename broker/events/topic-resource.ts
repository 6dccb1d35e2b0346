import type { Basic, Extension } from '@medplum/fhirtypes';
import { TOPICS, type TopicDefinition } from './event-topics';

/** Cross-version extensions (R5 and R4B elements on R4 Basic), as the Backport IG's R4 topic example uses them. */
const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic';
const R4B = 'http://hl7.org/fhir/4.3/StructureDefinition/extension-SubscriptionTopic';

/** The code a Basic resource carries when it is a SubscriptionTopic. */
export const TOPIC_BASIC_CODE = {
  system: 'http://hl7.org/fhir/fhir-types',
  code: 'SubscriptionTopic',
} as const;

/** When the topics' definitions last changed (their business version is the broker's topic version). */
const TOPIC_VERSION = '1.0.0';
const TOPIC_DATE = '2026-11-30';

const nested = (url: string, extension: Extension[]): Extension => ({ url, extension });

/**
 * A topic in R4 as the Backport IG describes one: a `Basic` resource coded SubscriptionTopic whose
 * extensions carry the R5 SubscriptionTopic's elements (url, title, status …, its event triggers and
 * the one filter it can be filtered by). The canonical `url` is what a Subscription names in `criteria`.
 */
export function topicBasic(topic: TopicDefinition): Basic {
  return {
    resourceType: 'Basic',
    id: topic.code,
    modifierExtension: [{ url: `${R5}.status`, valueCode: 'active' }],
    extension: [
      { url: `${R5}.url`, valueUri: topic.url },
      { url: `${R5}.version`, valueString: TOPIC_VERSION },
      { url: `${R5}.name`, valueString: topic.code },
      { url: `${R5}.title`, valueString: topic.title },
      { url: `${R5}.date`, valueDateTime: TOPIC_DATE },
      { url: `${R5}.description`, valueMarkdown: topic.description },
      ...topic.events.map((event) =>
        nested(`${R5}.eventTrigger`, [
          { url: 'description', valueMarkdown: `The source reports: ${event}.` },
          { url: 'event', valueCodeableConcept: { coding: [{ code: event }], text: event } },
          { url: 'resource', valueUri: `http://hl7.org/fhir/StructureDefinition/${topic.resourceType}` },
        ]),
      ),
      nested(`${R4B}.canFilterBy`, [
        {
          url: 'description',
          valueMarkdown: 'Required, exactly once: your own organisation, by ODS code.',
        },
        { url: 'resource', valueUri: topic.resourceType },
        { url: 'filterParameter', valueString: topic.filterParameter },
      ]),
      nested(`${R4B}.notificationShape`, [{ url: 'resource', valueUri: topic.resourceType }]),
    ],
    code: { coding: [{ ...TOPIC_BASIC_CODE }] },
  };
}

/** Every published topic, as Basic resources. */
export function topicBasics(): Basic[] {
  return Object.values(TOPICS).map(topicBasic);
}
