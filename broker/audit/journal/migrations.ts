import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from '../../observability/logger';
import { JournalUnavailable } from './journal';

/** One step of the schema, applied once, in version order, inside the migration transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** `s` is the quoted schema name. */
  readonly sql: (s: string) => string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema as a quoted identifier; only plain lower-case names are accepted (config says the same). */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError('schema must be a lower-case SQL identifier');
  return `"${schema}"`;
}

/** A stable advisory-lock key per schema and purpose (a signed 64-bit integer, as text for SQL). */
export function advisoryKey(schema: string, purpose: 'migrate' | 'append'): string {
  return createHash('sha256')
    .update(`hie-journal:${purpose}:${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'append-only hash-chained journal and deliveries',
    sql: (s) => `
      CREATE TABLE ${s}.journal (
        seq          bigint      PRIMARY KEY CHECK (seq > 0),
        id           uuid        NOT NULL UNIQUE,
        stream       text        NOT NULL CHECK (stream IN ('audit', 'alert', 'alert-ack', 'consent')),
        recorded     timestamptz NOT NULL,
        patient      text,
        user_id      text,
        organisation text,
        role         text,
        action       text,
        outcome      text        CHECK (outcome IN ('0', '4', '8', '12')),
        sources      text[],
        ref          text,
        -- The canonical text, verbatim: the hash is over it, never over a re-serialisation.
        entry        text        NOT NULL,
        prev_hash    text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash         text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
      );
      CREATE INDEX journal_patient ON ${s}.journal (stream, patient, seq) WHERE patient IS NOT NULL;
      CREATE INDEX journal_user ON ${s}.journal (stream, user_id, seq) WHERE user_id IS NOT NULL;
      CREATE INDEX journal_organisation ON ${s}.journal (stream, organisation, seq) WHERE organisation IS NOT NULL;
      CREATE INDEX journal_action ON ${s}.journal (stream, action, seq);
      CREATE INDEX journal_ref ON ${s}.journal (stream, ref, seq) WHERE ref IS NOT NULL;
      CREATE INDEX journal_recorded ON ${s}.journal (stream, recorded);
      -- The usage report reads only successful patient views.
      CREATE INDEX journal_views ON ${s}.journal (recorded)
        WHERE stream = 'audit' AND action = 'patient-view' AND outcome = '0';

      CREATE TABLE ${s}.journal_delivery (
        entry_id     uuid        NOT NULL REFERENCES ${s}.journal (id),
        sink         text        NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (entry_id, sink)
      );

      -- Append-only in the database itself, whatever the code or a console session tries.
      CREATE FUNCTION ${s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on %.% refused: the journal is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$;
      CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.journal
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
      CREATE TRIGGER journal_delivery_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.journal_delivery
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
      REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.journal, ${s}.journal_delivery FROM PUBLIC;
    `,
  },
  {
    version: 2,
    name: 'event, subscription and notification streams',
    sql: (s) => `
      ALTER TABLE ${s}.journal DROP CONSTRAINT journal_stream_check;
      ALTER TABLE ${s}.journal ADD CONSTRAINT journal_stream_check CHECK (
        stream IN ('audit', 'alert', 'alert-ack', 'consent', 'event', 'subscription', 'notification'));
    `,
  },
  {
    version: 3,
    name: 'notification-number stream',
    sql: (s) => `
      ALTER TABLE ${s}.journal DROP CONSTRAINT journal_stream_check;
      ALTER TABLE ${s}.journal ADD CONSTRAINT journal_stream_check CHECK (
        stream IN ('audit', 'alert', 'alert-ack', 'consent', 'event', 'subscription', 'notification',
          'notification-number'));
    `,
  },
  {
    version: 4,
    name: 'notification dead-letter and redelivery streams',
    sql: (s) => `
      ALTER TABLE ${s}.journal DROP CONSTRAINT journal_stream_check;
      ALTER TABLE ${s}.journal ADD CONSTRAINT journal_stream_check CHECK (
        stream IN ('audit', 'alert', 'alert-ack', 'consent', 'event', 'subscription', 'notification',
          'notification-number', 'notification-dead-letter', 'notification-redelivery'));
    `,
  },
];

const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Brings the schema up to date. Runs in one transaction under an advisory lock, so pods starting
 * together apply each migration exactly once and none sees a half-made schema.
 */
export async function migrate(pool: Pool, schema: string, logger: Logger): Promise<readonly number[]> {
  const s = quoteSchema(schema);
  const client = await pool.connect();
  const ignore = (): void => undefined; // a dropped connection fails the running query anyway
  client.on('error', ignore);
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${advisoryKey(schema, 'migrate')})`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const applied = new Set(done.rows.map((r) => r.version));
    const newer = [...applied].filter((v) => v > LATEST);
    if (newer.length > 0) {
      // A newer broker migrated already (a rolling upgrade): its migrations are additive, so go on.
      logger.warn({ schema, versions: newer }, 'journal schema has migrations this broker does not know');
    }
    const run: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      run.push(migration.version);
    }
    await client.query('COMMIT');
    if (run.length > 0) logger.info({ schema, versions: run }, 'journal schema migrated');
    return run;
  } catch (error) {
    failed = true;
    throw new JournalUnavailable('The audit journal schema could not be migrated', { cause: error });
  } finally {
    client.removeListener('error', ignore);
    // A failed connection is closed, not rolled back over: the server undoes the transaction.
    client.release(failed);
  }
}

/** For read-only use: the schema must already be there (migrations are the broker's to run). */
export async function checkMigrated(pool: Pool, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  const found = await pool
    .query<{ version: number }>(`SELECT max(version) AS version FROM ${s}.schema_migrations`)
    .catch((error: unknown) => {
      const missing = (error as { code?: string }).code === '42P01';
      throw new JournalUnavailable(
        missing ? 'There is no audit journal in the schema' : 'The audit journal database is unavailable',
        { cause: error },
      );
    });
  if ((found.rows[0]?.version ?? 0) < 1)
    throw new JournalUnavailable('There is no audit journal in the schema');
}
