import type { AuditConfig } from '../../../config/schema';
import type { Logger } from '../../observability/logger';
import { FileJournal } from './file-journal';
import type { Journal } from './journal';
import { PostgresJournal } from './postgres-journal';

/**
 * The journal the configuration names: PostgreSQL (migrated on open) or, the embedded default, the
 * file store in its directory (relative to the working directory). Rejects with JournalUnavailable
 * when it cannot be opened; the caller decides whether that stops the process.
 */
export function openJournal(
  store: AuditConfig['store'],
  logger: Logger,
  options: { readonly readOnly?: boolean } = {},
): Promise<Journal> {
  const { readOnly = false } = options;
  return store.kind === 'postgres'
    ? PostgresJournal.open(store, { logger, readOnly })
    : FileJournal.open(store.directory, { logger, readOnly });
}
