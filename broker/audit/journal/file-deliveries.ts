import { open } from 'node:fs/promises';
import type { Logger } from '../../observability/logger';
import type { AppendOnlyFile } from './append-only-file';
import type { IndexedEntry } from './file-index';
import { GroupCommit } from './group-commit';
import type { JournalStream } from './journal';
import { scanLines } from './journal-lines';

interface Delivery {
  readonly id: string;
  readonly sink: string;
}

/**
 * The file store's outbox bookkeeping: `deliveries.jsonl`, one `{id, sink, at}` a line, appended and
 * fsynced in group commits like the journal, and read back into per-sink sets on open.
 */
export class FileDeliveries {
  private readonly delivered = new Map<string, Set<string>>();
  /** Per sink and streams: the position before which every entry is delivered or not wanted. */
  private readonly cursors = new Map<string, number>();
  private readonly commit: GroupCommit<Delivery, void>;

  /** `file` is absent when the journal is open read-only. */
  constructor(
    private readonly file: AppendOnlyFile | undefined,
    maxBatch: number,
  ) {
    this.commit = new GroupCommit({
      write: (items) => this.write(items),
      weight: () => 1,
      maxBatchWeight: maxBatch,
      maxQueuedWeight: maxBatch * 20,
    });
  }

  /** Reads what was delivered; cuts a torn last line (a write a crash cut short). */
  async load(path: string, logger: Logger): Promise<void> {
    const handle = await open(path, 'r').catch((error: unknown) => {
      // Read-only beside a journal that never delivered anything: nothing to read.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !this.file) return undefined;
      throw error;
    });
    if (!handle) return;
    try {
      const size = (await handle.stat()).size;
      const end = await scanLines(handle, { from: 0, to: size }, (buffer) => {
        try {
          const { id, sink } = JSON.parse(buffer.toString('utf8')) as Partial<Delivery>;
          if (typeof id === 'string' && typeof sink === 'string') this.remember({ id, sink });
        } catch {
          // A line that is not a delivery only means that entry is offered to its sink again.
        }
      });
      if (end < size) {
        logger.warn(
          { file: 'deliveries.jsonl', bytes: size - end, cut: !!this.file },
          'torn last deliveries line',
        );
        if (this.file) await this.file.cutTo(end);
      }
    } finally {
      await handle.close();
    }
  }

  has(id: string, sink: string): boolean {
    return this.delivered.get(sink)?.has(id) ?? false;
  }

  /** Resolves once the delivery is durable. */
  mark(id: string, sink: string): Promise<void> {
    return this.has(id, sink) ? Promise.resolve() : this.commit.submit({ id, sink });
  }

  /** The first `limit` entries of `streams` (in seq order) not delivered to `sink`. */
  undelivered(
    all: readonly IndexedEntry[],
    sink: string,
    streams: readonly JournalStream[],
    limit: number,
  ): IndexedEntry[] {
    const wanted = new Set(streams);
    const key = `${sink}\n${[...wanted].sort().join(',')}`;
    const delivered = this.delivered.get(sink);
    const found: IndexedEntry[] = [];
    let firstUndelivered: number | undefined;
    for (let i = this.cursors.get(key) ?? 0; i < all.length && found.length < limit; i++) {
      const e = all[i]!;
      if (!wanted.has(e.stream) || delivered?.has(e.id)) continue;
      firstUndelivered ??= i;
      found.push(e);
    }
    // Deliveries are never undone, so what lies before the first undelivered entry needs no second look.
    this.cursors.set(key, firstUndelivered ?? all.length);
    return found;
  }

  async close(): Promise<void> {
    await this.commit.close();
    await this.file?.close();
  }

  private remember({ id, sink }: Delivery): void {
    const ids = this.delivered.get(sink);
    if (ids) ids.add(id);
    else this.delivered.set(sink, new Set([id]));
  }

  private async write(items: readonly Delivery[]): Promise<readonly void[]> {
    const fresh = new Map<string, Delivery>();
    for (const item of items) if (!this.has(item.id, item.sink)) fresh.set(`${item.sink}\n${item.id}`, item);
    if (fresh.size > 0) {
      const at = new Date().toISOString();
      const text = [...fresh.values()]
        .map(({ id, sink }) => `${JSON.stringify({ id, sink, at })}\n`)
        .join('');
      await this.file!.append(Buffer.from(text, 'utf8'));
      for (const item of fresh.values()) this.remember(item);
    }
    return items.map(() => undefined);
  }
}
