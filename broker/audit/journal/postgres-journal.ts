import { ChainVerifier, EMPTY_TAIL, seal, type PreparedEntry, type SealedEntry } from './entry-hash';
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
import { advisoryKey, checkMigrated, migrate, quoteSchema } from './migrations';
import { PostgresConnection, type PostgresTimeouts } from './postgres-connection';
import {
  ENTRY_COLUMNS,
  insertEntries,
  keyColumn,
  storedEntry,
  toEntry,
  VERIFY_COLUMNS,
  type EntryRow,
  type VerifyRow,
} from './postgres-rows';
import { usageReport } from './postgres-usage';
import {
  checkOutboxRequest,
  checkQuery,
  checkSink,
  instantBound,
  isJournalId,
  prepareEntries,
} from './prepare-entries';

export interface PostgresStore {
  /** postgres://user@host:port/database (a password belongs in PGPASSWORD). */
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
}

export interface PostgresJournalOptions extends JournalOpenOptions, PostgresTimeouts {
  /** Entries per transaction (default 500). */
  readonly maxBatchEntries?: number;
}

/**
 * The journal in PostgreSQL, for several broker processes. Appends from every process serialise on
 * a transaction-scoped advisory lock: each transaction reads the last (seq, hash) and inserts its
 * group commit's entries in one multi-row INSERT. The tables refuse UPDATE, DELETE and TRUNCATE by
 * trigger (see migrations.ts); nothing here issues either.
 *
 * Failing closed: a connection that cannot be made within `connectTimeoutMs`, or a statement that
 * outlives its timeout, rejects with JournalUnavailable rather than hang. A COMMIT whose answer is
 * lost may still have committed: the caller was refused, and the journal holds an access that
 * released nothing, which is the safe way round.
 */
export class PostgresJournal implements Journal {
  private readonly s: string;
  private readonly appends: GroupCommit<readonly PreparedEntry[], readonly JournalEntry[]>;
  private readonly cursors = new Map<string, number>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: PostgresConnection,
    private readonly schema: string,
    private readonly options: PostgresJournalOptions,
  ) {
    this.s = quoteSchema(schema);
    const maxBatch = options.maxBatchEntries ?? 500;
    this.appends = new GroupCommit({
      write: (calls) => this.writeAppends(calls),
      weight: (call) => call.length,
      maxBatchWeight: maxBatch,
      maxQueuedWeight: maxBatch * 20,
    });
  }

  static async open(store: PostgresStore, options: PostgresJournalOptions): Promise<PostgresJournal> {
    quoteSchema(store.schema);
    const db = PostgresConnection.create(store, options);
    try {
      if (options.readOnly) await checkMigrated(db.pool, store.schema);
      else await migrate(db.pool, store.schema, options.logger);
    } catch (error) {
      await db.end().catch(() => undefined);
      if (error instanceof JournalUnavailable) throw error;
      throw new JournalUnavailable('The audit journal database is unavailable', { cause: error });
    }
    return new PostgresJournal(db, store.schema, options);
  }

  append(entries: readonly NewJournalEntry[]): Promise<readonly JournalEntry[]> {
    if (this.options.readOnly)
      return Promise.reject(new JournalUnavailable('The audit journal is open read-only'));
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
    if (!isJournalId(id)) return undefined;
    const { rows } = await this.db.run<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM ${this.s}.journal WHERE id = $1`,
      [id],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  async query(query: JournalQuery): Promise<readonly JournalEntry[]> {
    const q = checkQuery(query);
    const values: unknown[] = [q.stream];
    const where = ['stream = $1'];
    const add = (sql: string, value: unknown): void => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    for (const name of ['patient', 'user', 'organisation', 'action', 'ref'] as const) {
      const value = q[name];
      if (value !== undefined) add(`${keyColumn(name)} = ?`, value);
    }
    if (q.from !== undefined) add('recorded >= ?', q.from);
    if (q.to !== undefined) add('recorded < ?', q.to);
    if (q.afterSeq !== undefined) add('seq > ?', q.afterSeq);
    if (q.beforeSeq !== undefined) add('seq < ?', q.beforeSeq);
    values.push(q.limit);
    const order = q.order === 'newest-first' ? 'DESC' : 'ASC';
    const { rows } = await this.db.run<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM ${this.s}.journal WHERE ${where.join(' AND ')}
       ORDER BY seq ${order} LIMIT $${values.length}`,
      values,
    );
    return rows.map(toEntry);
  }

  async usage(from: string, to: string): Promise<UsageReport> {
    const bounds = { from: instantBound(from, 'from'), to: instantBound(to, 'to') };
    return this.db.report((query) => usageReport(query, this.s, bounds));
  }

  async verify(): Promise<ChainVerification> {
    const verifier = new ChainVerifier(keyColumn);
    const page = 2000;
    let after = 0;
    for (;;) {
      const { rows } = await this.db.report((query) =>
        query<VerifyRow>(
          `SELECT ${VERIFY_COLUMNS} FROM ${this.s}.journal WHERE seq > $1 ORDER BY seq LIMIT $2`,
          [after, page],
        ),
      );
      for (const row of rows) {
        const stored = storedEntry(row);
        if (!verifier.check(stored)) return verifier.result();
        after = stored.columns.seq;
      }
      if (rows.length < page) return verifier.result();
    }
  }

  async undelivered(
    sink: string,
    streams: readonly JournalStream[],
    limit: number,
  ): Promise<readonly JournalEntry[]> {
    checkOutboxRequest(sink, streams, limit);
    const wanted = [...new Set(streams)].sort();
    const key = `${sink}\n${wanted.join(',')}`;
    // Seqs become visible in order (each append reads the last under the lock), so everything below
    // the first undelivered entry found, or below the last seq when none is, needs no second look.
    const { rows } = await this.db.run<EntryRow & { last_seq: string }>(
      `SELECT m.last_seq, j.seq, j.entry, j.prev_hash, j.hash
       FROM (SELECT coalesce(max(seq), 0) AS last_seq FROM ${this.s}.journal) m
       LEFT JOIN LATERAL (
         SELECT seq, entry, prev_hash, hash FROM ${this.s}.journal j
         WHERE j.seq > $1 AND j.seq <= m.last_seq AND j.stream = ANY($2)
           AND NOT EXISTS (SELECT 1 FROM ${this.s}.journal_delivery d WHERE d.entry_id = j.id AND d.sink = $3)
         ORDER BY j.seq LIMIT $4
       ) j ON true
       ORDER BY j.seq`,
      [this.cursors.get(key) ?? 0, wanted, sink, limit],
    );
    const found = rows.filter((r) => r.seq !== null);
    this.cursors.set(key, found[0] ? Number(found[0].seq) - 1 : Number(rows[0]?.last_seq ?? 0));
    return found.map(toEntry);
  }

  async markDelivered(id: string, sink: string): Promise<void> {
    if (this.options.readOnly) throw new JournalUnavailable('The audit journal is open read-only');
    checkSink(sink);
    if (!isJournalId(id)) throw new JournalRequestRejected('no entry with that id');
    await this.db
      .run(`INSERT INTO ${this.s}.journal_delivery (entry_id, sink) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        id,
        sink,
      ])
      .catch((error: unknown) => {
        const cause = (error as JournalUnavailable).cause as { code?: string } | undefined;
        if (cause?.code === '23503') throw new JournalRequestRejected(`no entry ${id}`);
        throw error;
      });
  }

  /** Answers what is queued, then ends the pool; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.appends.close().then(() => this.db.end());
    return this.closing;
  }

  /** One group commit: one transaction, serialised with every other process's by the advisory lock. */
  private writeAppends(
    calls: readonly (readonly PreparedEntry[])[],
  ): Promise<readonly (readonly JournalEntry[] | Error)[]> {
    return this.db.transaction(
      `BEGIN; SELECT pg_advisory_xact_lock(${advisoryKey(this.schema, 'append')})`,
      async (client) => {
        const ids = calls.flatMap((call) => call.map((p) => p.entry.id));
        const state = await client.query<{ seq: string | null; hash: string | null; taken: string[] }>(
          `SELECT last.seq, last.hash, ARRAY(SELECT id::text FROM ${this.s}.journal WHERE id = ANY($1::uuid[])) AS taken
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT seq, hash FROM ${this.s}.journal ORDER BY seq DESC LIMIT 1) last ON true`,
          [ids],
        );
        const row = state.rows[0]!;
        let tail = row.seq === null ? EMPTY_TAIL : { seq: Number(row.seq), hash: row.hash! };
        const taken = new Set(row.taken);
        const sealed: SealedEntry[] = [];
        const results = calls.map((call): readonly JournalEntry[] | Error => {
          const clash = call.find((p) => taken.has(p.entry.id));
          if (clash) return new JournalRequestRejected(`entry ${clash.entry.id} is already in the journal`);
          for (const p of call) taken.add(p.entry.id);
          const made = seal(call, tail);
          tail = made.tail;
          sealed.push(...made.sealed);
          return made.sealed.map((s) => s.entry);
        });
        if (sealed.length > 0) {
          const insert = insertEntries(this.s, sealed);
          await client.query(insert.text, insert.values);
        }
        return results;
      },
    );
  }
}
