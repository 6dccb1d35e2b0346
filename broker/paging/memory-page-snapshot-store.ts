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
  /** Bytes (serialised JSON) of snapshots kept at most; the least recently used is evicted first. */
  readonly maxBytes?: number;
  /** Bytes one owner's snapshots may hold; past it, that owner's least recently used go first. */
  readonly maxBytesPerOwner?: number;
  /** Told the bytes held after each change (a metric). */
  readonly onBytes?: (bytes: number) => void;
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
  private readonly sizes = new Map<string, number>();
  private readonly ownerBytes = new Map<string, number>();
  private totalBytes = 0;
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
    const bytes = Buffer.byteLength(JSON.stringify(input.bundle));
    const perOwner = this.options.maxBytesPerOwner ?? Number.POSITIVE_INFINITY;
    // The owner's own oldest first: one user's flood never pushes out another's pages.
    for (const [id, kept] of this.live) {
      if ((this.ownerBytes.get(input.owner) ?? 0) + bytes <= perOwner) break;
      if (kept.owner === input.owner) this.retire(id);
    }
    const maxBytes = this.options.maxBytes ?? Number.POSITIVE_INFINITY;
    while (this.live.size > 0 && (this.live.size >= this.maxSnapshots || this.totalBytes + bytes > maxBytes))
      this.retire(this.live.keys().next().value!);
    const snapshot = newSnapshot(input, this.clock(), this.options.ttlMs);
    this.live.set(snapshot.id, snapshot);
    this.sizes.set(snapshot.id, bytes);
    this.totalBytes += bytes;
    this.ownerBytes.set(input.owner, (this.ownerBytes.get(input.owner) ?? 0) + bytes);
    this.options.onBytes?.(this.totalBytes);
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

  /** Bytes (serialised JSON) the snapshots with content hold now. */
  get bytes(): number {
    return this.totalBytes;
  }

  async close(): Promise<void> {
    this.live.clear();
    this.sizes.clear();
    this.ownerBytes.clear();
    this.totalBytes = 0;
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
    const bytes = this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
    this.totalBytes -= bytes;
    const owned = (this.ownerBytes.get(snapshot.owner) ?? 0) - bytes;
    if (owned > 0) this.ownerBytes.set(snapshot.owner, owned);
    else this.ownerBytes.delete(snapshot.owner);
    this.options.onBytes?.(this.totalBytes);
    this.tombstones.set(id, snapshot.owner);
    while (this.tombstones.size > this.maxTombstones)
      this.tombstones.delete(this.tombstones.keys().next().value!);
  }
}
