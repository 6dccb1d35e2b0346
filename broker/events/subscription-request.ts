import { z } from 'zod';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import type { EventSystemConfig } from '../../config/schema';
import { AccessDenied } from '../governance/access-denied';
import { topicByUrl, TOPICS, type TopicCode } from './event-topics';
import {
  FILTER_CRITERIA_URL,
  HEARTBEAT_PERIOD_URL,
  PAYLOAD_CONTENT_URL,
  TIMEOUT_URL,
} from './subscription-record';

const extension = z.looseObject({ url: z.string() });
type Extension = z.infer<typeof extension> & Record<string, unknown>;

/** The parts of an R4 Subscription (Backport IG) the broker reads; everything else is refused or ignored as noted. */
const subscriptionBody = z.looseObject({
  resourceType: z.literal('Subscription'),
  status: z.enum(['requested', 'active'], { error: 'must be requested (or active)' }),
  reason: z.string().min(1).max(500),
  end: z.iso.datetime({ offset: true }).optional(),
  criteria: z.string().min(1),
  _criteria: z.looseObject({ extension: z.array(extension).max(10) }).optional(),
  channel: z.looseObject({
    type: z.literal('rest-hook', { error: 'must be rest-hook: the broker delivers by HTTP POST only' }),
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    payload: z.literal('application/fhir+json', { error: 'must be application/fhir+json' }),
    _payload: z.looseObject({ extension: z.array(extension).max(10) }).optional(),
    header: z
      .array(z.string())
      .max(0, "is not supported: notifications carry the broker's signature instead")
      .optional(),
    extension: z.array(extension).max(10).optional(),
  }),
});

export interface RequestedSubscription {
  readonly topic: TopicCode;
  readonly filterOds: string;
  readonly endpoint: string;
  readonly reason: string;
  readonly end?: string;
  readonly heartbeatSeconds?: number;
  readonly timeoutSeconds?: number;
}

const invalid = (text: string, expression: string): OutcomeError =>
  new OutcomeError('invalid', outcomeOf('invalid', text, expression));

const valueOf = (extensions: readonly Extension[] | undefined, url: string, key: string): unknown =>
  extensions?.find((e) => e.url === url)?.[key];

/**
 * A Subscription a registered system asks for: a topic this broker publishes, a filter naming the
 * system's own organisation (an ED subscribes to patients coming to its own ODS code, a practice to
 * its own registered patients), a rest-hook channel and id-only payloads. Anything else is refused
 * with what to send instead. Where the endpoint may point is the EndpointPolicy's to say (asynchronous:
 * it resolves the host).
 */
export function readSubscriptionRequest(body: unknown, system: EventSystemConfig): RequestedSubscription {
  const parsed = subscriptionBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || 'Subscription';
    throw invalid(`Subscription.${path} ${issue.message}.`, `Subscription.${path}`);
  }
  const subscription = parsed.data;
  const topic = topicByUrl(subscription.criteria);
  if (!topic)
    throw invalid(
      `Subscription.criteria must be one of the topics this broker publishes: ${Object.values(TOPICS)
        .map((t) => t.url)
        .join(', ')}.`,
      'Subscription.criteria',
    );
  const filters = (subscription._criteria?.extension ?? []).filter((e) => e.url === FILTER_CRITERIA_URL);
  const filter = filters.length === 1 ? filters[0]!.valueString : undefined;
  const example = `${topic.resourceType}?${topic.filterParameter}=${system.odsCode}`;
  if (typeof filter !== 'string')
    throw invalid(
      `Subscription.criteria needs exactly one ${FILTER_CRITERIA_URL} extension naming your organisation, e.g. ${example}.`,
      'Subscription.criteria',
    );
  const match = new RegExp(
    `^${topic.resourceType}\\?${topic.filterParameter}=(?:${ODS_CODE_SYSTEM.replace(/[.]/g, '\\.')}\\|)?([A-Z0-9]{3,10})$`,
  ).exec(filter);
  if (!match)
    throw invalid(`The filter must read ${example} (one parameter, an ODS code).`, 'Subscription.criteria');
  if (match[1] !== system.odsCode)
    throw new AccessDenied(
      'subscription-filter',
      `${system.name} may subscribe only to its own organisation: the filter must name ${system.odsCode}, as in ${example}.`,
    );
  const content = valueOf(subscription.channel._payload?.extension, PAYLOAD_CONTENT_URL, 'valueCode');
  if (content !== 'id-only')
    throw invalid(
      `Subscription.channel.payload needs the ${PAYLOAD_CONTENT_URL} extension with id-only: notifications name the event and where to read it, never clinical content.`,
      'Subscription.channel.payload',
    );
  const heartbeat = valueOf(subscription.channel.extension, HEARTBEAT_PERIOD_URL, 'valueUnsignedInt');
  const timeout = valueOf(subscription.channel.extension, TIMEOUT_URL, 'valueUnsignedInt');
  for (const [value, name] of [
    [heartbeat, 'heartbeat period'],
    [timeout, 'timeout'],
  ] as const) {
    if (
      value !== undefined &&
      (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 86_400)
    )
      throw invalid(`The ${name} must be 1 to 86400 seconds.`, 'Subscription.channel.extension');
  }
  return {
    topic: topic.code,
    filterOds: match[1],
    endpoint: subscription.channel.endpoint,
    reason: subscription.reason,
    ...(subscription.end ? { end: subscription.end } : {}),
    ...(typeof heartbeat === 'number' ? { heartbeatSeconds: heartbeat } : {}),
    ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
  };
}
