import { randomBytes } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';

/** One merged result kept for paging: the whole searchset as first answered, and who asked for it. */
export interface PageSnapshot {
  /** Random and unguessable; the only thing a page link carries besides offset and count. */
  readonly id: string;
  /** The requester's user id: only they may read the pages. */
  readonly owner: string;
  /** The patient (NHS number) and the view's query id, for the audit of each later page. */
  readonly subject: PageSubject;
  readonly bundle: Bundle;
  /** Epoch milliseconds after which the links answer 410. */
  readonly expiresAt: number;
}

export interface PageSubject {
  readonly nhsNumber: string;
  readonly queryId: string;
}

export type SnapshotLookup =
  | { readonly status: 'found'; readonly snapshot: PageSnapshot }
  /** It existed for this requester but its time is up (or it was evicted): repeat the search. */
  | { readonly status: 'expired' }
  /** Never existed, or belongs to another requester: indistinguishable on purpose. */
  | { readonly status: 'unknown' };

/**
 * Where paged results wait for their `next` link. Snapshots hold clinical content, so a store keeps
 * them only for the configured time and a bounded number of them; one backed by Redis does the same,
 * and encrypts them at rest (RedisPageSnapshotStore).
 */
export interface PageSnapshotStore {
  save(input: {
    readonly owner: string;
    readonly subject: PageSubject;
    readonly bundle: Bundle;
  }): Promise<PageSnapshot>;
  /**
   * Another requester's snapshot is `unknown`, as if it did not exist. Rejects with
   * PageStoreUnavailable when the store cannot be read just now.
   */
  find(id: string, owner: string): Promise<SnapshotLookup>;
  close(): Promise<void>;
}

/** Snapshot ids: 24 url-safe base64 characters (144 random bits). */
export const SNAPSHOT_ID = /^[A-Za-z0-9_-]{24}$/;

/** The store could not be reached (Redis down or too slow): transient, worth a retry. */
export class PageStoreUnavailable extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The page snapshot store is unavailable', options);
    this.name = 'PageStoreUnavailable';
  }
}

/** A new snapshot of `input` with a fresh random id (SNAPSHOT_ID), expiring `ttlMs` after `now`. */
export function newSnapshot(
  input: { readonly owner: string; readonly subject: PageSubject; readonly bundle: Bundle },
  now: number,
  ttlMs: number,
): PageSnapshot {
  return {
    id: randomBytes(18).toString('base64url'),
    owner: input.owner,
    subject: input.subject,
    bundle: input.bundle,
    expiresAt: now + ttlMs,
  };
}
