import pino from 'pino';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../../config/load-config';
import type { AuditConfig } from '../../config/schema';
import { createLogger, scrub, type Logger } from '../observability/logger';
import type { Journal } from './journal/journal';
import { openJournal } from './journal/open-journal';

/** 0: the chain is intact; 1: it is broken; 2: it could not be checked. */
export type VerifyExitCode = 0 | 1 | 2;

function describeStore(store: AuditConfig['store']): string {
  if (store.kind === 'file') return `file ${store.directory}`;
  // Host and database only: a URL may carry credentials.
  const url = new URL(store.url);
  return `postgres ${url.host}${url.pathname} schema ${store.schema}`;
}

function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) parts.push(e.message);
  return scrub(parts.join(': ') || String(error));
}

/**
 * `npm run audit:verify`: loads the configuration as the broker does (CONFIG_FILE, DATABASE_URL …),
 * opens the configured journal read-only (beside a running broker, without its lock or migrations),
 * recomputes the whole chain and writes one line: how many entries and the last hash, or where the
 * chain breaks and why. The last hash is worth keeping elsewhere: a chain cannot show that entries
 * were cut from its end, but a hash recorded earlier that is no longer in it can.
 */
export async function verifyJournalCommand(options: {
  readonly config?: LoadConfigOptions;
  readonly write: (line: string) => void;
  readonly logger?: Logger;
}): Promise<VerifyExitCode> {
  let store: AuditConfig['store'];
  let logger: Logger;
  try {
    const config = loadConfig(options.config);
    store = config.audit.store;
    // Logs go to stderr: stdout holds the one summary line.
    logger =
      options.logger ?? createLogger({ level: config.logging.level, destination: pino.destination(2) });
  } catch (error) {
    const detail = error instanceof ConfigError ? error.describe().replace(/\n\s*/g, ' ') : reasonOf(error);
    options.write(`audit journal not checked: ${detail}`);
    return 2;
  }
  const where = describeStore(store);
  let journal: Journal | undefined;
  try {
    journal = await openJournal(store, logger, { readOnly: true });
    const result = await journal.verify();
    if (result.ok) {
      options.write(
        `audit journal intact: ${result.entries} entries, last hash ${result.lastHash} (${where})`,
      );
      return 0;
    }
    options.write(
      `audit journal BROKEN at entry ${result.brokenAt}: ${result.reason}; ${result.entries} entries before it verify (${where})`,
    );
    return 1;
  } catch (error) {
    options.write(`audit journal not checked: ${reasonOf(error)} (${where})`);
    return 2;
  } finally {
    await journal?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  void verifyJournalCommand({ write: (line) => process.stdout.write(`${line}\n`) }).then((code) =>
    process.exit(code),
  );
}
