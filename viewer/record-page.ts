import type { DocumentReference } from '@medplum/fhirtypes';
import type { Requester } from '../core/requester';
import type { PatientRecord, RecordSourceStatus } from '../broker/record/record-types';
import { SECTION_OF_TYPE, type SectionId } from '../broker/record/sections';
import type { RecordResourceType } from '../core/fhir/resource-types';
import type { PatientView } from '../broker/view/patient-view-service';
import { CHART, resultTrends } from './result-trends';

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
}): Record<string, unknown> {
  const { record } = input;
  const visible = new Set<SectionId>(input.permitted.map((type) => SECTION_OF_TYPE[type]));
  // Contact details come from the Patient, which every permitted view carries.
  visible.add('contacts');
  const sections = record.sections
    .filter((s) => visible.has(s.id))
    .map((s) => ({ ...s, count: s.items.length + (s.alerts?.length ?? 0) }));
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
  const results = record.sections.find((s) => s.id === 'results');
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
    user: input.requester,
    access:
      relationship.basis === 'emergency'
        ? 'emergency access (recorded)'
        : relationship.basis === 'self-claimed'
          ? 'self-claimed relationship (recorded)'
          : '',
  };
}
