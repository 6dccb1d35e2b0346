import type { FileHandle } from 'node:fs/promises';
import { EMPTY_TAIL, parseEntryText, type ChainTail } from './entry-hash';
import type { JournalKeys, JournalQuery, JournalStream, UsageReport } from './journal';
import { parseJournalLine, scanLines } from './journal-lines';
import { isJournalId, isStream, keysAreValid } from './prepare-entries';

/** What the file store keeps in memory per entry: enough to search and count, and where its line is. */
export interface IndexedEntry {
  readonly seq: number;
  readonly id: string;
  readonly stream: JournalStream;
  readonly recorded: string;
  readonly keys: JournalKeys;
  /** Byte offset and length (without the newline) of the entry's line. */
  readonly offset: number;
  readonly length: number;
}

const SEARCH_KEYS = ['patient', 'user', 'organisation', 'action', 'ref'] as const;
type SearchKey = (typeof SEARCH_KEYS)[number];

/** First position in a seq-ordered list whose seq is greater than `seq`. */
function after(list: readonly IndexedEntry[], seq: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

function append<K>(map: Map<K, IndexedEntry[]>, key: K, entry: IndexedEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/**
 * The file store's in-memory index, rebuilt from the file on open: entries in seq order, by id, by
 * stream and by each search key, so a query walks only the shortest list that can match.
 */
export class FileIndex {
  readonly all: IndexedEntry[] = [];
  private readonly byId = new Map<string, IndexedEntry>();
  private readonly byStream = new Map<string, IndexedEntry[]>();
  private readonly byKey = new Map<SearchKey, Map<string, IndexedEntry[]>>(
    SEARCH_KEYS.map((key) => [key, new Map<string, IndexedEntry[]>()]),
  );

  get size(): number {
    return this.all.length;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): IndexedEntry | undefined {
    return this.byId.get(id);
  }

  add(entry: IndexedEntry): void {
    this.all.push(entry);
    this.byId.set(entry.id, entry);
    append(this.byStream, entry.stream, entry);
    for (const key of SEARCH_KEYS) {
      const value = entry.keys[key];
      if (value !== undefined) append(this.byKey.get(key)!, value, entry);
    }
  }

  select(query: JournalQuery): IndexedEntry[] {
    let list = this.byStream.get(query.stream) ?? [];
    for (const key of SEARCH_KEYS) {
      const value = query[key];
      if (value === undefined) continue;
      const candidates = this.byKey.get(key)!.get(value) ?? [];
      if (candidates.length < list.length) list = candidates;
    }
    const matches = (e: IndexedEntry): boolean =>
      e.stream === query.stream &&
      SEARCH_KEYS.every((key) => query[key] === undefined || e.keys[key] === query[key]) &&
      (query.from === undefined || e.recorded >= query.from) &&
      (query.to === undefined || e.recorded < query.to);
    const out: IndexedEntry[] = [];
    if (query.order === 'newest-first') {
      const start = (query.beforeSeq === undefined ? list.length : after(list, query.beforeSeq - 1)) - 1;
      for (let i = start; i >= 0 && out.length < query.limit; i--) {
        const e = list[i]!;
        if (query.afterSeq !== undefined && e.seq <= query.afterSeq) break;
        if (matches(e)) out.push(e);
      }
    } else {
      const start = query.afterSeq === undefined ? 0 : after(list, query.afterSeq);
      for (let i = start; i < list.length && out.length < query.limit; i++) {
        const e = list[i]!;
        if (query.beforeSeq !== undefined && e.seq >= query.beforeSeq) break;
        if (matches(e)) out.push(e);
      }
    }
    return out;
  }

  /** Successful patient views recorded in [from, to): the operators' figures. */
  usage(from: string, to: string): UsageReport {
    let views = 0;
    const users = new Set<string>();
    const patients = new Set<string>();
    const byOrganisation = new Map<string, { views: number; users: Set<string> }>();
    const byRole = new Map<string, { views: number; users: Set<string> }>();
    const bySource = new Map<string, number>();
    const count = (
      map: Map<string, { views: number; users: Set<string> }>,
      key: string,
      user?: string,
    ): void => {
      const row = map.get(key) ?? { views: 0, users: new Set<string>() };
      row.views += 1;
      if (user !== undefined) row.users.add(user);
      map.set(key, row);
    };
    for (const e of this.byStream.get('audit') ?? []) {
      const { keys } = e;
      if (keys.action !== 'patient-view' || keys.outcome !== '0' || e.recorded < from || e.recorded >= to)
        continue;
      views += 1;
      if (keys.user !== undefined) users.add(keys.user);
      if (keys.patient !== undefined) patients.add(keys.patient);
      if (keys.organisation !== undefined) count(byOrganisation, keys.organisation, keys.user);
      if (keys.role !== undefined) count(byRole, keys.role, keys.user);
      for (const source of keys.sources ?? []) bySource.set(source, (bySource.get(source) ?? 0) + 1);
    }
    const figures = (map: Map<string, { views: number; users: Set<string> }>) =>
      Object.fromEntries([...map].map(([key, row]) => [key, { views: row.views, users: row.users.size }]));
    return {
      from,
      to,
      views,
      uniqueUsers: users.size,
      uniquePatients: patients.size,
      byOrganisation: figures(byOrganisation),
      byRole: figures(byRole),
      bySource: Object.fromEntries(bySource),
    };
  }
}

/** What reading a journal file found. */
export interface IndexedFile {
  readonly index: FileIndex;
  /** The last readable entry (where appends continue). */
  readonly tail: ChainTail;
  /** The end of the last complete line; bytes after it, up to `size`, are a torn line. */
  readonly end: number;
  readonly size: number;
  /** Complete lines that are not entries (skipped). */
  readonly unreadable: number;
  readonly lastReadable: boolean;
}

/** Reads a journal file once, indexing every line that is an entry. */
export async function indexJournalFile(handle: FileHandle): Promise<IndexedFile> {
  const index = new FileIndex();
  const size = (await handle.stat()).size;
  let tail = EMPTY_TAIL;
  let unreadable = 0;
  let lastReadable = true;
  const end = await scanLines(handle, { from: 0, to: size }, (buffer, offset) => {
    const line = parseJournalLine(buffer.toString('utf8'));
    const text = line && parseEntryText(line.text);
    if (!line || !text || !isJournalId(text.id) || !isStream(text.stream) || !keysAreValid(text.keys)) {
      unreadable += 1;
      lastReadable = false;
      return;
    }
    const { seq, id, stream, recorded, keys } = text;
    index.add({ seq, id, stream, recorded, keys, offset, length: buffer.length });
    tail = { seq, hash: line.hash };
    lastReadable = true;
  });
  return { index, tail, end, size, unreadable, lastReadable };
}
