/* Shared by the journal's tests: real stores in throwaway places (a mkdtemp directory, a schema). */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createLogger, type Logger } from '../../broker/observability/logger';
import { FileJournal } from '../../broker/audit/journal/file-journal';
import type {
  Journal,
  JournalKeys,
  JournalStream,
  NewJournalEntry,
} from '../../broker/audit/journal/journal';
import { PostgresJournal, type PostgresJournalOptions } from '../../broker/audit/journal/postgres-journal';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_KINDS = ['file', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const silentLogger = (): Logger => createLogger({ level: 'silent' });

/** Runs SQL as the test database's superuser. */
export async function superuser<R extends Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** One store for one test: opens journals over the same place, and removes it all afterwards. */
export class TestStore {
  readonly directory: string | undefined;
  readonly schema: string | undefined;
  private readonly opened: Journal[] = [];

  constructor(readonly kind: StoreKind) {
    if (kind === 'file') this.directory = mkdtempSync(path.join(tmpdir(), 'hie-journal-'));
    else this.schema = `journal_test_${randomBytes(6).toString('hex')}`;
  }

  get store():
    | { kind: 'file'; directory: string }
    | { kind: 'postgres'; url: string; schema: string; poolSize: number } {
    return this.kind === 'file'
      ? { kind: 'file', directory: this.directory! }
      : { kind: 'postgres', url: TEST_DATABASE_URL, schema: this.schema!, poolSize: 4 };
  }

  async open(options: Partial<PostgresJournalOptions> = {}): Promise<Journal> {
    const all = { logger: silentLogger(), ...options };
    const journal =
      this.kind === 'file'
        ? await FileJournal.open(this.directory!, all)
        : await PostgresJournal.open({ url: TEST_DATABASE_URL, schema: this.schema!, poolSize: 4 }, all);
    this.opened.push(journal);
    return journal;
  }

  async cleanup(): Promise<void> {
    for (const journal of this.opened) await journal.close().catch(() => undefined);
    if (this.directory) rmSync(this.directory, { recursive: true, force: true });
    if (this.schema) await superuser(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }
}

/** An entry with the given keys (everything else plausible). */
export function entry(
  keys: JournalKeys = {},
  options: { stream?: JournalStream; recorded?: string; body?: unknown } = {},
): NewJournalEntry {
  const id = randomUUID();
  return {
    id,
    stream: options.stream ?? 'audit',
    recorded: options.recorded ?? new Date().toISOString(),
    keys,
    body: options.body ?? { resourceType: 'AuditEvent', id, note: 'naïve café ✓' },
  };
}
