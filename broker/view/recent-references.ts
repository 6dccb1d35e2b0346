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

/** One view's ids, as one string (`\n`-separated, with a `\n` at each end): one allocation, no per-id entry. */
interface RememberedView {
  readonly owner: string;
  readonly references: string;
  readonly count: number;
  readonly origin: ReferenceOrigin;
  readonly expiresAt: number;
}

/**
 * Which patient each resource id a user was recently shown belongs to, so that a read of that id
 * (`GET /fhir/Condition/acute-cond-1`, a reference followed by a FHIR client) can be answered by a fresh
 * view of that patient from the one source the id names, with every rule of a view applied again. An
 * id carries no patient, and most source protocols (GP Connect, ePCR) cannot read by id; this keeps no
 * clinical content, only the id, the NHS number and the record types, per user and for minutes.
 * This one keeps them in process memory; with Redis, RedisReferenceLocator shares them between processes.
 *
 * Kept per view rather than per id: a view of thousands of ids is one entry, and a read (far rarer than
 * a view) searches the user's few recent views, newest first.
 */
export class RecentReferences implements ReferenceLocator {
  /** Oldest first. */
  private readonly views = new Set<RememberedView>();
  private readonly byOwner = new Map<string, RememberedView[]>();
  /** Ids kept, over all views. */
  private kept = 0;
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
    const now = this.now();
    if (references.length > 0) {
      const view: RememberedView = {
        owner,
        references: `\n${references.join('\n')}\n`,
        count: references.length,
        origin: { nhsNumber: origin.nhsNumber, resourceTypes: origin.resourceTypes },
        expiresAt: now + this.options.ttlMs,
      };
      this.views.add(view);
      this.kept += view.count;
      const mine = this.byOwner.get(owner);
      if (mine) mine.push(view);
      else this.byOwner.set(owner, [view]);
    }
    // The oldest go first: expired, or beyond the most kept (the newest view always stays).
    for (const view of this.views) {
      if (view.expiresAt > now && (this.kept <= this.options.maxEntries || this.views.size === 1)) break;
      this.forget(view);
    }
  }

  locateNow(owner: string, reference: string): ReferenceOrigin | undefined {
    if (reference.includes('\n')) return undefined;
    const mine = this.byOwner.get(owner);
    if (!mine) return undefined;
    const now = this.now();
    const line = `\n${reference}\n`;
    // The newest view that showed it says whose it is.
    for (let i = mine.length - 1; i >= 0; i--) {
      const view = mine[i]!;
      if (view.expiresAt <= now) break;
      if (view.references.includes(line)) {
        return { nhsNumber: view.origin.nhsNumber, resourceTypes: view.origin.resourceTypes };
      }
    }
    return undefined;
  }

  private forget(view: RememberedView): void {
    this.views.delete(view);
    this.kept -= view.count;
    const mine = this.byOwner.get(view.owner)!;
    // A user's views are oldest first, as all are: the one forgotten is their first.
    mine.splice(mine.indexOf(view), 1);
    if (mine.length === 0) this.byOwner.delete(view.owner);
  }
}
