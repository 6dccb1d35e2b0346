import { canonicalKeys, canonicalRest, JOURNAL_KEY_NAMES, type PreparedEntry } from './entry-hash';
import {
  JOURNAL_STREAMS,
  JournalRequestRejected,
  type JournalKeys,
  type JournalQuery,
  type JournalStream,
  type NewJournalEntry,
} from './journal';

/** At most this many entries in one append (one request's audit is a handful). */
export const MAX_ENTRIES_PER_APPEND = 1000;
/** An AuditEvent is a few KB; anything near this is a mistake, not an audit. */
const MAX_TEXT_CHARS = 1_000_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const KEY_VALUE = /^[^\u0000-\u001f\u007f]{1,256}$/;
const OUTCOMES: readonly string[] = ['0', '4', '8', '12'];
const STREAMS: readonly string[] = JOURNAL_STREAMS;

export const isJournalId = (id: unknown): id is string => typeof id === 'string' && UUID.test(id);

/** An ISO instant with milliseconds that names a real time (what `new Date().toISOString()` gives). */
export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && ISO_INSTANT.test(value) && isoOf(value) === value;
}

function isoOf(value: string): string | undefined {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function checkKeys(keys: unknown, where: string): JournalKeys {
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new JournalRequestRejected(`${where}: keys must be an object`);
  }
  const names: readonly string[] = JOURNAL_KEY_NAMES;
  for (const [name, value] of Object.entries(keys)) {
    if (!names.includes(name)) throw new JournalRequestRejected(`${where}: unknown key ${name}`);
    if (value === undefined) continue;
    if (name === 'outcome') {
      if (!OUTCOMES.includes(value as string)) throw new JournalRequestRejected(`${where}: bad outcome`);
    } else if (name === 'sources') {
      const ok =
        Array.isArray(value) &&
        value.length <= 100 &&
        value.every((s) => typeof s === 'string' && KEY_VALUE.test(s)) &&
        new Set(value).size === value.length;
      if (!ok) throw new JournalRequestRejected(`${where}: sources must be distinct ids`);
    } else if (typeof value !== 'string' || !KEY_VALUE.test(value)) {
      // The value itself is never echoed: it may be an NHS number.
      throw new JournalRequestRejected(`${where}: key ${name} must be 1-256 characters without controls`);
    }
  }
  return canonicalKeys(keys as JournalKeys);
}

/** Whether stored keys (read back from a file) are what an append would have accepted. */
export function keysAreValid(keys: unknown): boolean {
  try {
    checkKeys(keys, 'stored entry');
    return true;
  } catch {
    return false;
  }
}

export const isStream = (stream: unknown): stream is JournalStream => STREAMS.includes(stream as string);

/**
 * Checks one append's entries and serialises each (all but its seq) before it joins a group
 * commit, so a bad entry fails only its own call and the writer never meets a body JSON cannot hold.
 */
export function prepareEntries(entries: readonly NewJournalEntry[]): readonly PreparedEntry[] {
  if (!Array.isArray(entries)) throw new JournalRequestRejected('entries must be an array');
  if (entries.length > MAX_ENTRIES_PER_APPEND) {
    throw new JournalRequestRejected(`at most ${MAX_ENTRIES_PER_APPEND} entries in one append`);
  }
  const ids = new Set<string>();
  return entries.map((input, index) => {
    const where = `entry ${index}`;
    if (!isJournalId(input.id)) throw new JournalRequestRejected(`${where}: id must be a lower-case UUID`);
    if (ids.has(input.id)) throw new JournalRequestRejected(`${where}: id ${input.id} repeats in the append`);
    ids.add(input.id);
    if (!STREAMS.includes(input.stream)) throw new JournalRequestRejected(`${where}: unknown stream`);
    if (!isInstant(input.recorded)) {
      throw new JournalRequestRejected(`${where}: recorded must be an ISO instant with milliseconds (Z)`);
    }
    if (['undefined', 'function', 'symbol'].includes(typeof input.body)) {
      throw new JournalRequestRejected(`${where}: body must be a JSON value`);
    }
    const entry: NewJournalEntry = {
      id: input.id,
      stream: input.stream,
      recorded: input.recorded,
      keys: checkKeys(input.keys, where),
      body: input.body,
    };
    let rest: string | undefined;
    try {
      rest = canonicalRest(entry);
    } catch {
      throw new JournalRequestRejected(`${where}: body cannot be serialised as JSON`);
    }
    if (rest.length > MAX_TEXT_CHARS) throw new JournalRequestRejected(`${where}: entry too large`);
    return { entry, rest };
  });
}

/** The query, checked, with its bounds as canonical instants so both stores compare them alike. */
export function checkQuery(query: JournalQuery): JournalQuery {
  if (!STREAMS.includes(query.stream)) throw new JournalRequestRejected('query: unknown stream');
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
    throw new JournalRequestRejected('query: limit must be 1-1000');
  }
  for (const bound of ['afterSeq', 'beforeSeq'] as const) {
    const value = query[bound];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new JournalRequestRejected(`query: ${bound} must be a whole number`);
    }
  }
  return {
    ...query,
    ...(query.from !== undefined ? { from: instantBound(query.from, 'from') } : {}),
    ...(query.to !== undefined ? { to: instantBound(query.to, 'to') } : {}),
  };
}

/** A date or instant as the canonical ISO instant (a bare date is its midnight UTC). */
export function instantBound(value: string, name: string): string {
  const iso = typeof value === 'string' ? isoOf(value) : undefined;
  if (!iso) throw new JournalRequestRejected(`${name} must be an ISO date or instant`);
  return iso;
}

export function checkSink(sink: string): void {
  if (typeof sink !== 'string' || !KEY_VALUE.test(sink) || sink.length > 100) {
    throw new JournalRequestRejected('sink must be a name of 1-100 characters');
  }
}

/** An outbox read: a sink, known streams, 1-1000 entries. */
export function checkOutboxRequest(sink: string, streams: readonly JournalStream[], limit: number): void {
  checkSink(sink);
  if (!Array.isArray(streams) || !streams.every(isStream)) throw new JournalRequestRejected('unknown stream');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new JournalRequestRejected('limit must be 1-1000');
}
