/**
 * The governance journal: the broker's system of record for audit events, privacy-officer alerts and
 * their acknowledgements, and the objection register. Append-only and hash-chained: every entry's hash
 * covers the previous entry's hash and the entry's exact stored text, so a changed, removed or
 * reordered entry breaks the chain and `verify()` names where.
 *
 * Two implementations pass the same tests: PostgreSQL (postgres-journal.ts) and, the embedded
 * default, an fsynced append-only file (file-journal.ts).
 */

import type { Logger } from '../../observability/logger';

/** What an entry is. */
export const JOURNAL_STREAMS = [
  'audit',
  'alert',
  'alert-ack',
  'consent',
  // Real-time events from sources, the Subscriptions made to them, and the notifications fanned out.
  'event',
  'subscription',
  'notification',
  // One per notification number of a subscription: its id is unique per (subscription, number), so two
  // pods cannot give two notifications the same events-since-subscription-start.
  'notification-number',
  // A notification given up on after its attempts (one per try: the first delivery, then each
  // redelivery), and an administrator's redelivery of one: appended, never edited, so the journal
  // says what happened to each notification and who asked for it again.
  'notification-dead-letter',
  'notification-redelivery',
] as const;
export type JournalStream = (typeof JOURNAL_STREAMS)[number];

/** What entries are searched and counted by; each is also inside the hashed text. */
export interface JournalKeys {
  /** NHS number of the patient the entry is about. */
  readonly patient?: string;
  /** The acting user's id (not their name). */
  readonly user?: string;
  /** The acting user's organisation (ODS code). */
  readonly organisation?: string;
  /** The acting user's role code. */
  readonly role?: string;
  /** What happened, e.g. `patient-view`, `audit-search`, `consent-create`, `emergency-access`. */
  readonly action?: string;
  /** FHIR AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
  readonly outcome?: '0' | '4' | '8' | '12';
  /** The sources that contributed data (ids), for usage by source. */
  readonly sources?: readonly string[];
  /** Another entry or resource this one is about: an ack's alert, a consent's logical id, an alert's audit event. */
  readonly ref?: string;
}

export interface NewJournalEntry<T = unknown> {
  /** Unique across the journal (a UUID); also the idempotency key towards sinks. */
  readonly id: string;
  readonly stream: JournalStream;
  /** ISO 8601 instant with milliseconds, e.g. 2026-11-22T04:20:00.000Z. */
  readonly recorded: string;
  readonly keys: JournalKeys;
  /** Any JSON value: an AuditEvent, an alert, a Consent. */
  readonly body: T;
}

export interface JournalEntry<T = unknown> extends NewJournalEntry<T> {
  /** 1, 2, 3 …: the entry's place in the chain. */
  readonly seq: number;
  /** Hex SHA-256 of the previous entry (64 zeros for the first). */
  readonly prevHash: string;
  /** Hex SHA-256 over `prevHash` and the entry's canonical text (see entryHash). */
  readonly hash: string;
}

export interface JournalQuery {
  readonly stream: JournalStream;
  readonly patient?: string;
  readonly user?: string;
  readonly organisation?: string;
  readonly action?: string;
  readonly ref?: string;
  /** Inclusive lower bound on `recorded` (ISO instant). */
  readonly from?: string;
  /** Exclusive upper bound on `recorded` (ISO instant). */
  readonly to?: string;
  /** Only entries after this seq (paging in order), or before it when newest first. */
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly order?: 'oldest-first' | 'newest-first';
  /** At most this many (1–1000). */
  readonly limit: number;
}

/** The figures operators publish, over `audit` entries with action `patient-view` and outcome 0. */
export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly views: number;
  readonly uniqueUsers: number;
  readonly uniquePatients: number;
  /** Per organisation (ODS code): views and distinct users. */
  readonly byOrganisation: Readonly<Record<string, { readonly views: number; readonly users: number }>>;
  /** Per role code: views and distinct users. */
  readonly byRole: Readonly<Record<string, { readonly views: number; readonly users: number }>>;
  /** Per source id: views it contributed data to. */
  readonly bySource: Readonly<Record<string, number>>;
}

export type ChainVerification =
  | { readonly ok: true; readonly entries: number; readonly lastHash: string }
  | {
      readonly ok: false;
      readonly entries: number;
      /** The first entry whose hash, link or sequence does not hold. */
      readonly brokenAt: number;
      readonly reason: string;
    };

/** The journal cannot take or give entries now (database down, disk full): the caller fails closed. */
export class JournalUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalUnavailable';
  }
}

/**
 * The request itself is wrong (a malformed entry, an id already in the journal, a bad query): a
 * programming error, not unavailability. Only the offending call fails; calls committed in the same
 * group are unaffected. `problem` names fields and ids, never key values (an NHS number).
 */
export class JournalRequestRejected extends Error {
  constructor(readonly problem: string) {
    super('The journal request was rejected');
    this.name = 'JournalRequestRejected';
  }
}

/** How a store is opened (both stores take these). */
export interface JournalOpenOptions {
  readonly logger: Logger;
  /**
   * For the verify command beside a running broker: no lock (the broker holds it), no migrations and
   * no repair of a torn last line; append and markDelivered refuse.
   */
  readonly readOnly?: boolean;
}

export interface Journal {
  /**
   * Appends the entries, in order, atomically and durably: resolves only once they are committed
   * (PostgreSQL) or written and fsynced (file). Concurrent calls may be committed together (group
   * commit) but each call's entries are contiguous. Rejects with JournalUnavailable when they cannot
   * be recorded, and then none of them are; with JournalRequestRejected (recording none of them, and
   * failing no other call) when an entry is malformed or its id is already in the journal.
   */
  append(entries: readonly NewJournalEntry[]): Promise<readonly JournalEntry[]>;
  get(id: string): Promise<JournalEntry | undefined>;
  query(query: JournalQuery): Promise<readonly JournalEntry[]>;
  usage(from: string, to: string): Promise<UsageReport>;
  /** Recomputes the whole chain from the stored text. */
  verify(): Promise<ChainVerification>;

  /** Outbox: entries of these streams not yet marked delivered to `sink`, oldest first. */
  undelivered(
    sink: string,
    streams: readonly JournalStream[],
    limit: number,
  ): Promise<readonly JournalEntry[]>;
  /** Records that `sink` has the entry (idempotent; insert-only). */
  markDelivered(id: string, sink: string): Promise<void>;

  close(): Promise<void>;
}
