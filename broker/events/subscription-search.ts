import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import { TOPICS } from './event-topics';
import {
  SUBSCRIPTION_STATUSES,
  type SubscriptionRecord,
  type SubscriptionStatus,
} from './subscription-record';

/** `GET /fhir/Subscription` parameters (R4 search parameters of Subscription that apply here). */
export interface SubscriptionSearch {
  readonly status?: ReadonlySet<SubscriptionStatus>;
  /** channel.endpoint, exactly (R4's `url` search parameter). */
  readonly url?: ReadonlySet<string>;
  /** The topic canonical. */
  readonly criteria?: ReadonlySet<string>;
  readonly count: number;
}

const KNOWN = new Set(['status', 'url', 'criteria', '_count']);
const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;

const invalid = (text: string, expression?: string): OutcomeError =>
  new OutcomeError('invalid', outcomeOf('invalid', text, expression));

/** Each parameter once; a value may list alternatives separated by commas. */
function values(query: Record<string, unknown>, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Give ${name} once.`, name);
  return value.split(',').filter((v) => v.length > 0);
}

export function readSubscriptionSearch(query: Record<string, unknown>): SubscriptionSearch {
  const unknown = Object.keys(query).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0)
    throw invalid(
      `Subscription is searched here by status, url (channel endpoint), criteria (topic) and _count; not by ${unknown
        .slice(0, 3)
        .join(', ')}.`,
    );
  const status = values(query, 'status');
  const wrong = status?.find((s) => !(SUBSCRIPTION_STATUSES as readonly string[]).includes(s));
  if (wrong !== undefined)
    throw invalid(`status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}.`, 'status');
  const criteria = values(query, 'criteria');
  const topics = new Set(Object.values(TOPICS).map((t) => t.url));
  if (criteria?.some((c) => !topics.has(c)))
    throw invalid(`criteria must be a topic this broker publishes: ${[...topics].join(', ')}.`, 'criteria');
  const [countText] = values(query, '_count') ?? [];
  const count = countText === undefined ? DEFAULT_COUNT : Number(countText);
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT)
    throw invalid(`_count must be 0 to ${MAX_COUNT}.`, '_count');
  const url = values(query, 'url');
  return {
    ...(status ? { status: new Set(status as SubscriptionStatus[]) } : {}),
    ...(url ? { url: new Set(url) } : {}),
    ...(criteria ? { criteria: new Set(criteria) } : {}),
    count,
  };
}

export function matchesSearch(record: SubscriptionRecord, search: SubscriptionSearch): boolean {
  return (
    (!search.status || search.status.has(record.status)) &&
    (!search.url || search.url.has(record.endpoint)) &&
    (!search.criteria || search.criteria.has(TOPICS[record.topic].url))
  );
}
