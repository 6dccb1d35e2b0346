import { Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';
import type { Logger } from '../../observability/logger';
import { JournalRequestRejected, JournalUnavailable } from './journal';

export interface PostgresTimeouts {
  /** How long to wait for a connection before failing closed (default 2000). */
  readonly connectTimeoutMs?: number;
  /** Server-side limit on each statement, and on lock waits, of appends and lookups (default 5000). */
  readonly statementTimeoutMs?: number;
  /** The same for the usage report and each page of verification (default 60000). */
  readonly reportTimeoutMs?: number;
}

type Rows = <R extends QueryResultRow>(text: string, values: unknown[]) => Promise<{ rows: R[] }>;

const unavailable = (cause: unknown): JournalUnavailable =>
  new JournalUnavailable('The audit journal database is unavailable', { cause });

/**
 * The journal's connection pool, set up to fail closed: a connection that cannot be made within the
 * connect timeout, or a statement that outlives its timeout (server-side, with a client-side backstop
 * for a network that swallows packets), is a JournalUnavailable rather than a hang.
 */
export class PostgresConnection {
  private readonly reportTimeoutMs: number;

  private constructor(
    readonly pool: Pool,
    timeouts: PostgresTimeouts,
  ) {
    this.reportTimeoutMs = timeouts.reportTimeoutMs ?? 60_000;
  }

  static create(
    store: { readonly url: string; readonly poolSize: number },
    options: PostgresTimeouts & { readonly logger: Logger },
  ): PostgresConnection {
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    const pool = new Pool({
      connectionString: store.url,
      max: store.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      statement_timeout: statementTimeoutMs,
      lock_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: statementTimeoutMs * 2,
      query_timeout: statementTimeoutMs + 1000,
      keepAlive: true,
      application_name: 'hie-broker-journal',
    });
    // An idle connection that drops is replaced on next use; without a listener it would crash the process.
    pool.on('error', (error) => options.logger.warn({ err: error }, 'audit journal connection lost'));
    return new PostgresConnection(pool, options);
  }

  /** One statement on any pooled connection. */
  async run<R extends QueryResultRow>(text: string, values: unknown[]): Promise<{ rows: R[] }> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** `begin` (which may also take locks), the work, COMMIT; any failure is a JournalUnavailable. */
  async transaction<T>(begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    // A checked-out connection that drops emits 'error' (its queries fail on their own): without a
    // listener that event would crash the process.
    let lost: unknown;
    const onError = (error: unknown): void => {
      lost = error;
    };
    client.on('error', onError);
    let failed = false;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failed = true;
      if (error instanceof JournalUnavailable || error instanceof JournalRequestRejected) throw error;
      throw unavailable(lost ?? error);
    } finally {
      client.removeListener('error', onError);
      // No ROLLBACK over a connection that may be dead or silent (it would wait out another timeout):
      // the connection is closed instead, and the server rolls the transaction back.
      client.release(failed);
    }
  }

  /** A read-only, consistent snapshot whose statements are allowed the report timeout. */
  report<T>(work: (rows: Rows) => Promise<T>): Promise<T> {
    const timeout = Math.trunc(this.reportTimeoutMs);
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${timeout}`);
      return work(<R extends QueryResultRow>(text: string, values: unknown[]) => {
        // pg reads query_timeout from the query's own config before the pool's.
        const config: QueryConfig & { query_timeout: number } = {
          text,
          values,
          query_timeout: timeout + 1000,
        };
        return client.query<R>(config);
      });
    });
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
