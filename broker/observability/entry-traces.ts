/** Entries remembered at most: a few minutes of commits at full load; older ones are delivered untraced. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Which trace each journal entry was committed in (its W3C traceparent), kept in this process's memory
 * so that the outbox relay can put it into the entry's delivery jobs: the worker's delivery span then
 * joins the trace of the view that caused it. Losing it (a restart, an entry swept by another process)
 * loses only that link, never a delivery. No PHI: entry ids and trace ids.
 */
export class EntryTraces {
  private readonly byEntry = new Map<string, string>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  remember(entryIds: readonly string[], traceparent: string): void {
    for (const id of entryIds) this.byEntry.set(id, traceparent);
    for (const oldest of this.byEntry.keys()) {
      if (this.byEntry.size <= this.maxEntries) break;
      this.byEntry.delete(oldest);
    }
  }

  /** The entry's traceparent, if it was committed here recently and traced. */
  traceparentOf(entryId: string): string | undefined {
    return this.byEntry.get(entryId);
  }
}
