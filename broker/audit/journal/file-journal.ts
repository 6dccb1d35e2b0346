import { constants } from 'node:fs';
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppendOnlyFile } from './append-only-file';
import { ChainVerifier, entryFromText, seal, type ChainTail, type PreparedEntry } from './entry-hash';
import { FileDeliveries } from './file-deliveries';
import { indexJournalFile, type FileIndex, type IndexedEntry } from './file-index';
import { FileLock } from './file-lock';
import { GroupCommit } from './group-commit';
import {
  JournalRequestRejected,
  JournalUnavailable,
  type ChainVerification,
  type Journal,
  type JournalEntry,
  type JournalOpenOptions,
  type JournalQuery,
  type JournalStream,
  type NewJournalEntry,
  type UsageReport,
} from './journal';
import { journalLine, parseJournalLine, readLine, scanLines } from './journal-lines';
import {
  checkOutboxRequest,
  checkQuery,
  checkSink,
  instantBound,
  isJournalId,
  prepareEntries,
} from './prepare-entries';

export interface FileJournalOptions extends JournalOpenOptions {
  /** Entries per write and fsync (default 500). */
  readonly maxBatchEntries?: number;
}

const JOURNAL_FILE = 'journal.jsonl';
const DELIVERIES_FILE = 'deliveries.jsonl';

const exists = (file: string): Promise<boolean> =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  );

function unavailable(message: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof JournalUnavailable || error instanceof JournalRequestRejected) throw error;
    throw new JournalUnavailable(message, { cause: error });
  };
}

/** The directory entry of a new file is durable only once the directory itself is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface Writers {
  readonly journal: AppendOnlyFile;
  readonly deliveries: AppendOnlyFile;
  readonly lock: FileLock;
}

/**
 * The embedded journal: `journal.jsonl`, one entry a line, appended with O_APPEND and fsynced per
 * group commit; markDelivered goes to `deliveries.jsonl` the same way. On open the file is read
 * once to rebuild the in-memory index that serves queries and the usage report (the lines themselves
 * are read back from disk), and a torn last line left by a crash is cut.
 *
 * Meant for one process (the embedded mode): it holds an exclusive lock on the directory, and its
 * index sees only its own appends. Several broker processes need the PostgreSQL journal.
 */
export class FileJournal implements Journal {
  private readonly appends: GroupCommit<readonly PreparedEntry[], readonly JournalEntry[]>;
  private readonly deliveries: FileDeliveries;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly reader: FileHandle,
    private readonly index: FileIndex,
    private tail: ChainTail,
    /** The end of the last complete line: all that verify and reads rely on. */
    private journalLength: number,
    options: FileJournalOptions,
    private readonly writers?: Writers,
  ) {
    const maxBatch = options.maxBatchEntries ?? 500;
    this.appends = new GroupCommit({
      write: (calls) => this.writeAppends(calls),
      weight: (call) => call.length,
      maxBatchWeight: maxBatch,
      maxQueuedWeight: maxBatch * 20,
    });
    this.deliveries = new FileDeliveries(writers?.deliveries, maxBatch);
  }

  static async open(directory: string, options: FileJournalOptions): Promise<FileJournal> {
    const dir = path.resolve(directory);
    const journalFile = path.join(dir, JOURNAL_FILE);
    const deliveriesFile = path.join(dir, DELIVERIES_FILE);
    let lock: FileLock | undefined;
    const opened: { close(): Promise<void> }[] = [];
    try {
      let writers: Writers | undefined;
      if (!options.readOnly) {
        await mkdir(dir, { recursive: true });
        lock = await FileLock.acquire(dir, options.logger);
        const created = !(await exists(journalFile)) || !(await exists(deliveriesFile));
        const journal = await AppendOnlyFile.open(journalFile, options.logger);
        opened.push(journal);
        const deliveries = await AppendOnlyFile.open(deliveriesFile, options.logger);
        opened.push(deliveries);
        if (created) await syncDirectory(dir);
        writers = { journal, deliveries, lock };
      } else if (!(await exists(journalFile))) {
        throw new JournalUnavailable('There is no audit journal in the directory');
      }
      const reader = await open(journalFile, 'r');
      opened.push(reader);
      const file = await indexJournalFile(reader);
      if (file.end < file.size) {
        // A write that a crash cut short: never acknowledged, so not part of the journal.
        options.logger.warn(
          { file: JOURNAL_FILE, bytes: file.size - file.end, cut: !!writers },
          'torn last journal line',
        );
        await writers?.journal.cutTo(file.end);
      }
      if (file.unreadable > 0) {
        options.logger.error(
          { file: JOURNAL_FILE, lines: file.unreadable },
          'journal lines that are not entries were skipped: run npm run audit:verify',
        );
      }
      if (writers && !file.lastReadable) {
        throw new JournalUnavailable('The last audit journal entry is unreadable: the chain cannot go on');
      }
      const journal = new FileJournal(reader, file.index, file.tail, file.end, options, writers);
      await journal.deliveries.load(deliveriesFile, options.logger);
      return journal;
    } catch (error) {
      for (const handle of opened.reverse()) await handle.close().catch(() => undefined);
      await lock?.release();
      return unavailable('The audit journal directory cannot be used')(error);
    }
  }

  append(entries: readonly NewJournalEntry[]): Promise<readonly JournalEntry[]> {
    if (!this.writers) return Promise.reject(new JournalUnavailable('The audit journal is open read-only'));
    let prepared: readonly PreparedEntry[];
    try {
      prepared = prepareEntries(entries);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (prepared.length === 0) return Promise.resolve([]);
    return this.appends.submit(prepared);
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const indexed = this.index.get(id);
    return indexed ? this.read(indexed) : undefined;
  }

  async query(query: JournalQuery): Promise<readonly JournalEntry[]> {
    return Promise.all(this.index.select(checkQuery(query)).map((e) => this.read(e)));
  }

  async usage(from: string, to: string): Promise<UsageReport> {
    return this.index.usage(instantBound(from, 'from'), instantBound(to, 'to'));
  }

  async verify(): Promise<ChainVerification> {
    const verifier = new ChainVerifier();
    // Read-only beside a running broker: everything complete so far. Otherwise what is acknowledged.
    const to = this.writers ? this.journalLength : (await this.reader.stat()).size;
    await scanLines(this.reader, { from: 0, to }, (buffer) => {
      const line = parseJournalLine(buffer.toString('utf8'));
      if (!line) {
        verifier.unreadable('its line is not a journal entry');
        return false;
      }
      return verifier.check(line);
    }).catch(unavailable('The audit journal file cannot be read'));
    return verifier.result();
  }

  async undelivered(
    sink: string,
    streams: readonly JournalStream[],
    limit: number,
  ): Promise<readonly JournalEntry[]> {
    checkOutboxRequest(sink, streams, limit);
    const found = this.deliveries.undelivered(this.index.all, sink, streams, limit);
    return Promise.all(found.map((e) => this.read(e)));
  }

  async markDelivered(id: string, sink: string): Promise<void> {
    if (!this.writers) throw new JournalUnavailable('The audit journal is open read-only');
    checkSink(sink);
    if (!isJournalId(id) || !this.index.has(id)) throw new JournalRequestRejected('no entry with that id');
    await this.deliveries.mark(id, sink);
  }

  /** Answers what is queued, then releases the files and the lock; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.appends.close();
      await this.deliveries.close();
      await this.reader.close();
      await this.writers?.journal.close();
      await this.writers?.lock.release();
    })();
    return this.closing;
  }

  private async read(indexed: IndexedEntry): Promise<JournalEntry> {
    const text = await readLine(this.reader, indexed.offset, indexed.length).catch(
      unavailable('The audit journal file cannot be read'),
    );
    const line = parseJournalLine(text);
    if (!line) throw new JournalUnavailable('The audit journal file changed under its index');
    return entryFromText(line.text, line.prevHash, line.hash);
  }

  /** One group commit: every call's lines in one write, then one fdatasync. */
  private async writeAppends(
    calls: readonly (readonly PreparedEntry[])[],
  ): Promise<readonly (readonly JournalEntry[] | Error)[]> {
    const seen = new Set<string>();
    let tail = this.tail;
    let offset = this.journalLength;
    const lines: string[] = [];
    const added: IndexedEntry[] = [];
    const results = calls.map((call): readonly JournalEntry[] | Error => {
      const taken = call.find(({ entry }) => this.index.has(entry.id) || seen.has(entry.id));
      if (taken) return new JournalRequestRejected(`entry ${taken.entry.id} is already in the journal`);
      for (const { entry } of call) seen.add(entry.id);
      const sealed = seal(call, tail);
      tail = sealed.tail;
      for (const s of sealed.sealed) {
        const line = journalLine(s);
        const length = Buffer.byteLength(line);
        const { seq, id, stream, recorded, keys } = s.entry;
        added.push({ seq, id, stream, recorded, keys, offset, length: length - 1 });
        lines.push(line);
        offset += length;
      }
      return sealed.sealed.map((s) => s.entry);
    });
    if (lines.length === 0) return results;
    // Throws, having cut the file back, when the batch is not durable: none of it is then indexed.
    await this.writers!.journal.append(Buffer.from(lines.join(''), 'utf8'));
    for (const e of added) this.index.add(e);
    this.tail = tail;
    this.journalLength = offset;
    return results;
  }
}
