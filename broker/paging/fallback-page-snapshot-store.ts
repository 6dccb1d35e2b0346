import type { Bundle } from '@medplum/fhirtypes';
import type { Logger } from '../observability/logger';
import {
  PageStoreUnavailable,
  type PageSnapshot,
  type PageSnapshotStore,
  type PageSubject,
  type SnapshotLookup,
} from './page-snapshot-store';

/**
 * The shared store (Redis), and this process's memory while the shared store is unavailable: a
 * search made then is still answered with its first page and a `next` link, which works on this
 * process (as it did before the store was shared) — the same choice the rate limits make, to count
 * per process rather than refuse care. Reading a page looks here first, then in the shared store;
 * if that cannot be read, the lookup rejects with PageStoreUnavailable (the API answers 503).
 */
export class FallbackPageSnapshotStore implements PageSnapshotStore {
  private degraded = false;

  constructor(
    private readonly options: {
      readonly shared: PageSnapshotStore;
      readonly local: PageSnapshotStore;
      readonly logger: Logger;
    },
  ) {}

  async save(input: { owner: string; subject: PageSubject; bundle: Bundle }): Promise<PageSnapshot> {
    try {
      const snapshot = await this.options.shared.save(input);
      if (this.degraded) {
        this.degraded = false;
        this.options.logger.info('page snapshots are kept in redis again');
      }
      return snapshot;
    } catch (error) {
      if (!(error instanceof PageStoreUnavailable)) throw error;
      // Once per outage: a warning per paged search would flood the log.
      if (!this.degraded) {
        this.degraded = true;
        this.options.logger.warn(
          { err: error },
          'redis is unavailable: page snapshots are kept in this process until it is back',
        );
      }
      return this.options.local.save(input);
    }
  }

  async find(id: string, owner: string): Promise<SnapshotLookup> {
    const local = await this.options.local.find(id, owner);
    if (local.status !== 'unknown') return local;
    return this.options.shared.find(id, owner);
  }

  async close(): Promise<void> {
    await this.options.local.close();
    await this.options.shared.close();
  }
}
