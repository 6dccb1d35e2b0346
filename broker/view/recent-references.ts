import type { RecordResourceType } from '../../core/fhir/resource-types';

/** Where a resource a user was shown came from: whose record, and which record types brought it. */
export interface ReferenceOrigin {
  readonly nhsNumber: string;
  readonly resourceTypes: readonly RecordResourceType[];
}

/** How long after a view its ids can be read, and how many are kept in a process. */
export const READ_WINDOW_MS = 15 * 60_000;
export const READ_WINDOW_ENTRIES = 200_000;

/** Where the ids a user was shown are kept for reading by id: this process's memory, or shared (Redis). */
export interface ReferenceLocator {
  /** Notes every `Type/id` a user was just shown (or referred to) from one patient's view. */
  remember(owner: string, references: readonly string[], origin: ReferenceOrigin): Promise<void>;
  /** The patient a `Type/id` this user was shown belongs to, while it is remembered. */
  locate(owner: string, reference: string): Promise<ReferenceOrigin | undefined>;
}

export interface RecentReferencesOptions {
  /** How long after a view its ids can be read one by one. */
  readonly ttlMs: number;
  /** The most ids kept; the oldest go first. */
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * Which patient each resource id a user was recently shown belongs to, so that a read of that id
 * (`GET /fhir/Condition/acute-cond-1`, a reference followed by a FHIR client) can be answered by a fresh
 * view of that patient from the one source the id names, with every rule of a view applied again. An
 * id carries no patient, and most source protocols (GP Connect, ePCR) cannot read by id; this keeps no
 * clinical content, only the id, the NHS number and the record types, per user and for minutes.
 * This one keeps them in process memory; with Redis, RedisReferenceLocator shares them between processes.
 */
export class RecentReferences implements ReferenceLocator {
  private readonly entries = new Map<string, ReferenceOrigin & { readonly expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: RecentReferencesOptions) {
    this.now = options.now ?? Date.now;
  }

  remember(owner: string, references: readonly string[], origin: ReferenceOrigin): Promise<void> {
    this.rememberNow(owner, references, origin);
    return Promise.resolve();
  }

  locate(owner: string, reference: string): Promise<ReferenceOrigin | undefined> {
    return Promise.resolve(this.locateNow(owner, reference));
  }

  rememberNow(owner: string, references: readonly string[], origin: ReferenceOrigin): void {
    // One entry object for the whole view: its ids share it.
    const entry = {
      nhsNumber: origin.nhsNumber,
      resourceTypes: origin.resourceTypes,
      expiresAt: this.now() + this.options.ttlMs,
    };
    const prefix = ownerPrefix(owner);
    for (const reference of references) {
      const key = prefix + reference;
      // Re-inserted so that the Map's order stays oldest first.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(key);
    }
  }

  locateNow(owner: string, reference: string): ReferenceOrigin | undefined {
    const key = ownerPrefix(owner) + reference;
    const found = this.entries.get(key);
    if (!found) return undefined;
    if (found.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { nhsNumber: found.nhsNumber, resourceTypes: found.resourceTypes };
  }
}

/** The owner's part of a key: its length first, so that no owner's key can be mistaken for another's. */
const ownerPrefix = (owner: string): string => `${owner.length}:${owner}`;
