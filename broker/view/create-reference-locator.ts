import type { KeyObject } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';
import { pageSnapshotKey } from '../paging/page-snapshot-key';
import {
  READ_WINDOW_ENTRIES,
  READ_WINDOW_MS,
  RecentReferences,
  type ReferenceLocator,
} from './recent-references';
import { RedisReferenceLocator } from './redis-reference-locator';

/**
 * Where the ids users were shown are remembered for reading by id: this process's memory without
 * Redis; with Redis, there too (encrypted, shared by every process and pod). Its key comes from the
 * signing key as the page snapshots' does, so with an ephemeral signing key it is this process's own.
 */
export function createReferenceLocator(options: {
  readonly brokerId: string;
  readonly redis?: Redis;
  readonly signingKey?: KeyObject;
  readonly logger: Logger;
}): ReferenceLocator {
  const local = new RecentReferences({ ttlMs: READ_WINDOW_MS, maxEntries: READ_WINDOW_ENTRIES });
  if (!options.redis) return local;
  return new RedisReferenceLocator({
    redis: options.redis,
    keyPrefix: `hie-broker:${options.brokerId}:ref:`,
    ttlMs: READ_WINDOW_MS,
    secret: pageSnapshotKey(options.signingKey),
    local,
    logger: options.logger,
  });
}
