import { createHash } from 'node:crypto';
import type { ChainVerification, JournalEntry, JournalKeys, NewJournalEntry } from './journal';

/**
 * The one canonical text of an entry and the chain over it, shared by both stores.
 *
 * An entry's text is `JSON.stringify({seq, id, stream, recorded, keys, body})`, built once when it is
 * appended and stored verbatim (PostgreSQL's jsonb would reorder keys, so nothing is ever hashed
 * from a re-serialisation). Its hash is `sha256hex(prevHash + '\n' + text)`; the first entry's
 * prevHash is 64 zeros.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** The keys, in the order they appear in the text (so the caller's key order does not matter). */
export const JOURNAL_KEY_NAMES = [
  'patient',
  'user',
  'organisation',
  'role',
  'action',
  'outcome',
  'sources',
  'ref',
] as const satisfies readonly (keyof JournalKeys)[];

/** An entry checked and serialised (all but its seq) before it is queued: see prepareEntries. */
export interface PreparedEntry {
  readonly entry: NewJournalEntry;
  /** `JSON.stringify({id, stream, recorded, keys, body})`: the text without its seq. */
  readonly rest: string;
}

export interface SealedEntry {
  readonly entry: JournalEntry;
  /** The canonical text, exactly as it is stored and hashed. */
  readonly text: string;
}

/** The last entry of the chain (seq 0 and the genesis hash when it is empty). */
export interface ChainTail {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_TAIL: ChainTail = { seq: 0, hash: GENESIS_HASH };

export function canonicalKeys(keys: JournalKeys): JournalKeys {
  const out: Record<string, unknown> = {};
  for (const name of JOURNAL_KEY_NAMES) {
    const value = keys[name];
    if (value !== undefined) out[name] = name === 'sources' ? [...(value as readonly string[])] : value;
  }
  return out as JournalKeys;
}

/** The text without its seq; throws (TypeError) for a body JSON cannot represent. */
export function canonicalRest(entry: NewJournalEntry): string {
  const { id, stream, recorded, keys, body } = entry;
  return JSON.stringify({ id, stream, recorded, keys: canonicalKeys(keys), body });
}

/** Equal to JSON.stringify({seq, ...}) of the same entry: the seq goes first. */
export function entryText(seq: number, rest: string): string {
  return `{"seq":${seq},${rest.slice(1)}`;
}

export function chainHash(prevHash: string, text: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(text).digest('hex');
}

/** Gives the entries their places after `tail`, in order. */
export function seal(
  prepared: readonly PreparedEntry[],
  tail: ChainTail,
): { readonly sealed: SealedEntry[]; readonly tail: ChainTail } {
  let { seq, hash } = tail;
  const sealed = prepared.map(({ entry, rest }) => {
    seq += 1;
    const text = entryText(seq, rest);
    const prevHash = hash;
    hash = chainHash(prevHash, text);
    return { entry: { ...entry, seq, prevHash, hash }, text };
  });
  return { sealed, tail: { seq, hash } };
}

/** What the stored text holds. */
export interface EntryText {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  readonly recorded: string;
  readonly keys: JournalKeys;
  readonly body: unknown;
}

/** The text's fields, or undefined when it is not an entry's text. */
export function parseEntryText(text: string): EntryText | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const e = parsed as Record<string, unknown>;
  const wellFormed =
    Number.isSafeInteger(e.seq) &&
    typeof e.id === 'string' &&
    typeof e.stream === 'string' &&
    typeof e.recorded === 'string' &&
    typeof e.keys === 'object' &&
    e.keys !== null &&
    !Array.isArray(e.keys) &&
    'body' in e;
  return wellFormed ? (e as unknown as EntryText) : undefined;
}

/** An entry as read back: the text is the truth, the hashes come from beside it. */
export function entryFromText(text: string, prevHash: string, hash: string): JournalEntry {
  const parsed = parseEntryText(text);
  if (!parsed) throw new TypeError('stored journal text is not an entry');
  const { seq, id, stream, recorded, keys, body } = parsed;
  return { id, stream: stream as JournalEntry['stream'], recorded, keys, body, seq, prevHash, hash };
}

/** What a store holds beside the text, each of which must agree with it (PostgreSQL's indexed columns). */
export interface StoredColumns {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  readonly recorded: string;
  readonly keys: JournalKeys;
}

export interface StoredEntry {
  readonly prevHash: string;
  readonly hash: string;
  readonly text: string;
  /** Absent for the file store, whose lines hold nothing but the text and the hashes. */
  readonly columns?: StoredColumns;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Walks the chain in seq order and stops at the first entry that does not hold: a missing or
 * repeated seq, a broken link, a hash that does not match the text, or (PostgreSQL) an indexed
 * column that disagrees with the text.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private failure: { readonly brokenAt: number; readonly reason: string } | undefined;

  /** `columnOf` names a key's column in the store's own words (PostgreSQL keeps `user` in user_id). */
  constructor(
    private readonly columnOf: (key: (typeof JOURNAL_KEY_NAMES)[number]) => string = (key) => key,
  ) {}

  /** Returns false once the chain is broken (the caller may stop reading). */
  check(stored: StoredEntry): boolean {
    if (this.failure) return false;
    const reason = this.problem(stored);
    if (reason) {
      this.failure = { brokenAt: reason.at, reason: reason.why };
      return false;
    }
    this.expectedSeq += 1;
    this.prevHash = stored.hash;
    return true;
  }

  /** A line or row that is not an entry at all, where the next entry was expected. */
  unreadable(why: string): void {
    this.failure ??= { brokenAt: this.expectedSeq, reason: why };
  }

  result(): ChainVerification {
    const entries = this.expectedSeq - 1;
    return this.failure
      ? { ok: false, entries, ...this.failure }
      : { ok: true, entries, lastHash: this.prevHash };
  }

  private problem(stored: StoredEntry): { at: number; why: string } | undefined {
    const at = this.expectedSeq;
    const text = parseEntryText(stored.text);
    if (!text) return { at, why: 'the entry text is not a journal entry' };
    const seq = stored.columns?.seq ?? text.seq;
    if (seq > at) return { at, why: `entry ${at} is missing (the next entry found is ${seq})` };
    if (seq < at) return { at, why: `entry ${seq} appears again where entry ${at} was expected` };
    if (text.seq !== seq) return { at, why: 'its seq column disagrees with its text' };
    if (stored.prevHash !== this.prevHash) return { at, why: 'its link to the previous entry does not hold' };
    if (chainHash(stored.prevHash, stored.text) !== stored.hash) {
      return { at, why: 'its hash does not match its text' };
    }
    const columns = stored.columns;
    if (columns) {
      for (const field of ['id', 'stream', 'recorded'] as const) {
        if (columns[field] !== text[field]) return { at, why: `its ${field} column disagrees with its text` };
      }
      for (const name of JOURNAL_KEY_NAMES) {
        if (!sameValue(columns.keys[name], text.keys[name])) {
          return { at, why: `its ${this.columnOf(name)} column disagrees with its text` };
        }
      }
    }
    return undefined;
  }
}
