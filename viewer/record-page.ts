import type { DocumentReference } from '@medplum/fhirtypes';
import type { Requester } from '../core/requester';
import type { PatientRecord, RecordSourceStatus } from '../broker/record/record-types';
import { SECTION_OF_TYPE, type SectionId } from '../broker/record/sections';
import type { RecordResourceType } from '../core/fhir/resource-types';
import type { PatientView } from '../broker/view/patient-view';
import { CHART, resultTrends } from './result-trends';
import type { SectionPreferences } from './section-preferences';
import type { RecordItem, RecordSection } from '../broker/record/record-types';

/** Filters a clinician may apply: a period back from now, and one source. Neither is patient data. */
export const PERIODS = { '1y': 1, '2y': 2, '5y': 5 } as const;
export type Period = keyof typeof PERIODS;
export interface RecordFilters {
  readonly period?: Period;
  readonly source?: string;
}

/** The filters from the query string; anything unknown is ignored (the whole record shows). */
export function filtersOf(query: Record<string, unknown>, sourceIds: readonly string[]): RecordFilters {
  const period =
    typeof query.period === 'string' && query.period in PERIODS ? (query.period as Period) : undefined;
  const source =
    typeof query.source === 'string' && sourceIds.includes(query.source) ? query.source : undefined;
  return { ...(period ? { period } : {}), ...(source ? { source } : {}) };
}

/** Keeps an item when it is from the chosen source (or also recorded by it) and dated in the period; an undated item always stays. */
function filtered(items: readonly RecordItem[], filters: RecordFilters, now: Date): RecordItem[] {
  const cutoff = filters.period
    ? Date.UTC(now.getUTCFullYear() - PERIODS[filters.period], now.getUTCMonth(), now.getUTCDate())
    : undefined;
  return items.filter(
    (item) =>
      (!filters.source || item.sources.some((s) => s.id === filters.source)) &&
      (cutoff === undefined || !item.date || Date.parse(item.date) >= cutoff),
  );
}

/** The longest letter shown in the page; a longer one is cut, and says so. */
const MAX_LETTER_CHARS = 100_000;

const STATUS_PHRASE: Readonly<Record<string, string>> = {
  ok: 'answered',
  'no-match': 'no record for this patient',
  timeout: 'not available — timed out',
  error: 'not available — failed',
  rejected: 'not available — refused',
};

const SKIP_PHRASE: Readonly<Record<string, string>> = {
  objection: 'not asked — the patient has objected to sharing from this organisation',
  'circuit-open': 'not available — failing, not asked for now',
  'not-supplied': 'not asked — holds nothing you may see',
  loop: 'not asked — loop between regions',
  busy: 'not available — busy',
};

/** "Riverside University Hospitals NHS Trust: not available — timed out". */
export function statusPhrase(source: RecordSourceStatus): string {
  if (source.status === 'skipped') return SKIP_PHRASE[source.reason ?? ''] ?? 'not asked';
  return STATUS_PHRASE[source.status] ?? source.status;
}

/** The letters of the record as text, by the item reference, decoded from plain-text attachments. */
export function lettersOf(view: PatientView): Record<string, string> {
  const letters: Record<string, string> = {};
  for (const { resource } of view.entries) {
    if (resource.resourceType !== 'DocumentReference') continue;
    const text = letterText(resource);
    if (text) letters[`DocumentReference/${resource.id}`] = text;
  }
  return letters;
}

function letterText(document: DocumentReference): string | undefined {
  for (const { attachment } of document.content ?? []) {
    if (!attachment?.data || !/^text\/plain\b/.test(attachment.contentType ?? '')) continue;
    const text = Buffer.from(attachment.data, 'base64').toString('utf8');
    return text.length > MAX_LETTER_CHARS
      ? `${text.slice(0, MAX_LETTER_CHARS)}\n\n[The letter is longer than this page shows.]`
      : text;
  }
  return undefined;
}

/** What the record template shows: the sections the role may see, and every source's status. */
export function recordPage(input: {
  record: PatientRecord;
  view: PatientView;
  requester: Requester;
  permitted: readonly RecordResourceType[];
  preferences: SectionPreferences;
  filters: RecordFilters;
  now: Date;
}): Record<string, unknown> {
  const { record, filters, preferences } = input;
  const visible = new Set<SectionId>(input.permitted.map((type) => SECTION_OF_TYPE[type]));
  // Contact details come from the Patient, which every permitted view carries.
  visible.add('contacts');
  const rank = (s: RecordSection): number => preferences.order.indexOf(s.id);
  const shown = record.sections
    .filter((s) => visible.has(s.id))
    .sort((a, b) => rank(a) - rank(b))
    .map((s) => {
      const items = filtered(s.items, filters, input.now);
      const alerts = s.alerts ? filtered(s.alerts, filters, input.now) : undefined;
      return {
        ...s,
        items,
        ...(alerts ? { alerts } : {}),
        count: items.length + (alerts?.length ?? 0),
        collapsed: preferences.collapsed.includes(s.id),
      };
    });
  const sections = shown.map((s, index) => ({ ...s, first: index === 0, last: index === shown.length - 1 }));
  const w = record.withheld;
  const withheld = [
    w.sensitive ? `${w.sensitive} item(s) withheld as sensitive` : '',
    w.otherPatient ? `${w.otherPatient} item(s) that did not belong to this patient` : '',
    w.excludedSources
      ? `${w.excludedSources} source(s) whose patient details disagree (${w.excludedItems} item(s))`
      : '',
  ].filter(Boolean);
  const byRef = new Map(
    input.view.entries.map(({ resource }) => [`${resource.resourceType}/${resource.id}`, resource]),
  );
  const results = sections.find((s) => s.id === 'results');
  const trends =
    results && visible.has('results') ? resultTrends(results.items, (ref) => byRef.get(ref)) : [];
  const statuses = record.sources.map((s) => ({ id: s.id, name: s.name, phrase: statusPhrase(s) }));
  const relationship = input.view.access;
  return {
    record,
    sections,
    hidden: record.sections.filter((s) => !visible.has(s.id)).map((s) => s.title),
    statuses,
    incomplete: record.sources.filter((s) => s.status !== 'ok' && s.status !== 'no-match'),
    withheld,
    letters: lettersOf(input.view),
    trends,
    chart: CHART,
    filters,
    filtering: Boolean(filters.period || filters.source),
    periods: Object.keys(PERIODS),
    sourceOptions: record.sources.map((s) => ({ id: s.id, name: s.name })),
    user: input.requester,
    access:
      relationship.basis === 'emergency'
        ? 'emergency access (recorded)'
        : relationship.basis === 'self-claimed'
          ? 'self-claimed relationship (recorded)'
          : '',
  };
}
