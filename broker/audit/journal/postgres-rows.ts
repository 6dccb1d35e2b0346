import { entryFromText, JOURNAL_KEY_NAMES, type SealedEntry, type StoredEntry } from './entry-hash';
import type { JournalEntry, JournalKeys } from './journal';

/* How entries sit in the `journal` table: its columns, and the mapping both ways. */

/** Columns in the order of the INSERT's values. */
const COLUMNS = [
  'seq',
  'id',
  'stream',
  'recorded',
  'patient',
  'user_id',
  'organisation',
  'role',
  'action',
  'outcome',
  'sources',
  'ref',
  'entry',
  'prev_hash',
  'hash',
] as const;

/** Where each key lives (`user` is a reserved word in SQL). */
export const keyColumn = (name: (typeof JOURNAL_KEY_NAMES)[number]): string =>
  name === 'user' ? 'user_id' : name;

export interface EntryRow {
  readonly seq: string;
  readonly entry: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export const ENTRY_COLUMNS = 'seq, entry, prev_hash, hash';

export const toEntry = (row: EntryRow): JournalEntry => entryFromText(row.entry, row.prev_hash, row.hash);

/** One multi-row INSERT of sealed entries. */
export function insertEntries(
  s: string,
  sealed: readonly SealedEntry[],
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows: string[] = [];
  for (const { entry, text } of sealed) {
    const k = entry.keys;
    const first = values.length;
    values.push(
      entry.seq,
      entry.id,
      entry.stream,
      entry.recorded,
      k.patient ?? null,
      k.user ?? null,
      k.organisation ?? null,
      k.role ?? null,
      k.action ?? null,
      k.outcome ?? null,
      k.sources ?? null,
      k.ref ?? null,
      text,
      entry.prevHash,
      entry.hash,
    );
    rows.push(`(${COLUMNS.map((_, c) => `$${first + c + 1}`).join(', ')})`);
  }
  return { text: `INSERT INTO ${s}.journal (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`, values };
}

/** Every column, for verification; `recorded` to the microsecond so that no change hides in rounding. */
export const VERIFY_COLUMNS = `seq, id::text AS id, stream,
  to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS recorded,
  patient, user_id, organisation, role, action, outcome, sources, ref, entry, prev_hash, hash`;

export type VerifyRow = EntryRow & Record<string, string | string[] | null>;

/** A row as the chain verifier reads it: the text, the hashes, and each indexed column beside them. */
export function storedEntry(row: VerifyRow): StoredEntry & { columns: NonNullable<StoredEntry['columns']> } {
  const keys: Record<string, unknown> = {};
  for (const name of JOURNAL_KEY_NAMES) keys[name] = row[keyColumn(name)] ?? undefined;
  const micros = row.recorded as string;
  return {
    prevHash: row.prev_hash,
    hash: row.hash,
    text: row.entry,
    columns: {
      seq: Number(row.seq),
      id: row.id as string,
      stream: row.stream as string,
      // Milliseconds, as the text holds them; finer digits someone wrote in stay and disagree.
      recorded: micros.endsWith('000') ? `${micros.slice(0, -3)}Z` : `${micros}Z`,
      keys: keys as JournalKeys,
    },
  };
}
