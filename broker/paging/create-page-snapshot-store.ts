import type { KeyObject } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';
import { FallbackPageSnapshotStore } from './fallback-page-snapshot-store';
import { MemoryPageSnapshotStore } from './memory-page-snapshot-store';
import { pageSnapshotKey } from './page-snapshot-key';
import type { PageSnapshotStore } from './page-snapshot-store';
import { RedisPageSnapshotStore } from './redis-page-snapshot-store';

/**
 * Where page snapshots are kept: in this process without Redis; with Redis, there (encrypted, shared
 * by every process and pod), and in this process only while Redis is unavailable.
 */
export function createPageSnapshotStore(options: {
  readonly ttlMs: number;
  /** This process's byte budgets for kept results, in all and per user (MemoryPageSnapshotStore). */
  readonly maxBytes: number;
  readonly maxBytesPerUser: number;
  readonly brokerId: string;
  readonly redis?: Redis;
  /** The configured signing key's private half; none when the key is ephemeral. */
  readonly signingKey?: KeyObject;
  readonly logger: Logger;
  /** Told the bytes this process keeps in memory after each change (a metric). */
  readonly onMemoryBytes?: (bytes: number) => void;
}): PageSnapshotStore {
  const local = new MemoryPageSnapshotStore({
    ttlMs: options.ttlMs,
    maxBytes: options.maxBytes,
    maxBytesPerOwner: options.maxBytesPerUser,
    ...(options.onMemoryBytes ? { onBytes: options.onMemoryBytes } : {}),
  });
  if (!options.redis) return local;
  const shared = new RedisPageSnapshotStore({
    redis: options.redis,
    keyPrefix: `hie-broker:${options.brokerId}:page:`,
    ttlMs: options.ttlMs,
    maxBytes: options.maxBytes,
    maxBytesPerOwner: options.maxBytesPerUser,
    key: pageSnapshotKey(options.signingKey),
  });
  return new FallbackPageSnapshotStore({ shared, local, logger: options.logger });
}
