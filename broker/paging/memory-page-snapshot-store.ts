import type { Bundle } from '@medplum/fhirtypes';
import {
  newSnapshot,
  SNAPSHOT_ID,
  type PageSnapshot,
  type PageSubject,
  type PageSnapshotStore,
  type SnapshotLookup,
} from './page-snapshot-store';

export interface MemoryPageSnapshotStoreOptions {
  /** How long a snapshot's links stay valid, from when it was made. */
  readonly ttlMs: number;
  /** Snapshots kept at most; the least recently used is evicted first. */
  readonly maxSnapshots?: number;
  /** Ids remembered after expiry or eviction, so that their links answer 410 rather than 404. */
  readonly maxTombstones?: number;
  readonly clock?: () => number;
}

/**
 * Snapshots in this process's memory, least recently used first out, dropped when their time is up.
 * An expired or evicted snapshot's content is released at once; only its id and owner are kept.
 */
export class MemoryPageSnapshotStore implements PageSnapshotStore {
  private readonly live = new Map<string, PageSnapshot>();
  private readonly tombstones = new Map<string, string>();
  private readonly maxSnapshots: number;
  private readonly maxTombstones: number;
  private readonly clock: () => number;

  constructor(private readonly options: MemoryPageSnapshotStoreOptions) {
    this.maxSnapshots = options.maxSnapshots ?? 500;
    this.maxTombstones = options.maxTombstones ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  async save(input: { owner: string; subject: PageSubject; bundle: Bundle }): Promise<PageSnapshot> {
    this.sweep();
    while (this.live.size >= this.maxSnapshots) this.retire(this.live.keys().next().value!);
    const snapshot = newSnapshot(input, this.clock(), this.options.ttlMs);
    this.live.set(snapshot.id, snapshot);
    return snapshot;
  }

  async find(id: string, owner: string): Promise<SnapshotLookup> {
    if (!SNAPSHOT_ID.test(id)) return { status: 'unknown' };
    this.sweep();
    const snapshot = this.live.get(id);
    if (snapshot) {
      if (snapshot.owner !== owner) return { status: 'unknown' };
      this.live.delete(id);
      this.live.set(id, snapshot);
      return { status: 'found', snapshot };
    }
    return this.tombstones.get(id) === owner ? { status: 'expired' } : { status: 'unknown' };
  }

  /** How many snapshots hold content now (for tests and metrics). */
  get size(): number {
    return this.live.size;
  }

  async close(): Promise<void> {
    this.live.clear();
    this.tombstones.clear();
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, snapshot] of this.live) if (snapshot.expiresAt <= now) this.retire(id);
  }

  private retire(id: string): void {
    const snapshot = this.live.get(id);
    if (!snapshot) return;
    this.live.delete(id);
    this.tombstones.set(id, snapshot.owner);
    while (this.tombstones.size > this.maxTombstones)
      this.tombstones.delete(this.tombstones.keys().next().value!);
  }
}
