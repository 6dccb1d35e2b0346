import { randomUUID } from 'node:crypto';
import type { Journal } from '../audit/journal/journal';
import { subscriptionRecordSchema, type SubscriptionRecord } from './subscription-record';

/** Subscriptions are read from the journal this often at most (every pod sees a new one within it). */
const CACHE_MS = 500;
const PAGE = 1000;

/**
 * Subscriptions as governance data in the journal (stream `subscription`): every change is a new
 * entry, the latest per id is current, nothing is ever rewritten. Cached briefly for fan-out.
 */
export class SubscriptionStore {
  private cache: { at: number; all: Promise<ReadonlyMap<string, SubscriptionRecord>> } | undefined;

  constructor(private readonly journal: Journal) {}

  async save(record: SubscriptionRecord): Promise<void> {
    const valid = subscriptionRecordSchema.parse(record);
    await this.journal.append([
      {
        id: randomUUID(),
        stream: 'subscription',
        recorded: new Date().toISOString(),
        keys: {
          ref: valid.id,
          user: valid.owner,
          organisation: valid.filterOds,
          action: `subscription-${valid.status}`,
        },
        body: valid,
      },
    ]);
    this.cache = undefined;
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const [latest] = await this.journal.query({
      stream: 'subscription',
      ref: id,
      order: 'newest-first',
      limit: 1,
    });
    return latest ? subscriptionRecordSchema.parse(latest.body) : undefined;
  }

  /** Every subscription's current version. */
  async all(): Promise<ReadonlyMap<string, SubscriptionRecord>> {
    if (!this.cache || Date.now() - this.cache.at > CACHE_MS) {
      const all = this.readAll();
      this.cache = { at: Date.now(), all };
      all.catch(() => (this.cache = undefined));
    }
    return this.cache.all;
  }

  async active(): Promise<readonly SubscriptionRecord[]> {
    const now = new Date().toISOString();
    return [...(await this.all()).values()].filter((s) => s.status === 'active' && (!s.end || s.end > now));
  }

  private async readAll(): Promise<ReadonlyMap<string, SubscriptionRecord>> {
    const current = new Map<string, SubscriptionRecord>();
    let afterSeq = 0;
    for (;;) {
      const page = await this.journal.query({ stream: 'subscription', afterSeq, limit: PAGE });
      for (const entry of page) {
        const record = subscriptionRecordSchema.parse(entry.body);
        current.set(record.id, record);
      }
      if (page.length < PAGE) return current;
      afterSeq = page.at(-1)!.seq;
    }
  }
}
