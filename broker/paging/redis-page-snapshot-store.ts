import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  PageStoreUnavailable,
  newSnapshot,
  SNAPSHOT_ID,
  type PageSnapshot,
  type PageSnapshotStore,
  type PageSubject,
  type SnapshotLookup,
} from './page-snapshot-store';

export interface RedisPageSnapshotStoreOptions {
  /** The broker's client (shared: the store opens no connection of its own, and closes none). */
  readonly redis: Redis;
  /** e.g. `hie-broker:{brokerId}:page:`; every key of the store starts with it. */
  readonly keyPrefix: string;
  /** How long a snapshot's links stay valid, from when it was made. */
  readonly ttlMs: number;
  /** The 32-byte AES-256-GCM key (pageSnapshotKey). */
  readonly key: Buffer;
  /** Snapshots kept at most, over every process sharing the prefix; the least recently used goes first. */
  readonly maxSnapshots?: number;
  /** Bytes (sealed) of snapshots kept at most, over every process; the least recently used goes first. */
  readonly maxBytes?: number;
  /** Bytes one owner's snapshots may hold; past it, that owner's oldest go first. */
  readonly maxBytesPerOwner?: number;
  /** How long a snapshot's id is remembered after it expires, so that its links answer 410 (default 10 × ttlMs). */
  readonly tombstoneTtlMs?: number;
  /** A Redis round trip slower than this counts as Redis being unavailable. */
  readonly timeoutMs?: number;
}

/** The first byte of a stored value: how the rest is laid out (iv, tag, AES-256-GCM ciphertext). */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What is encrypted: everything of the snapshot but its id (the key name and the AAD). */
const sealed = z.object({
  owner: z.string(),
  subject: z.object({ nhsNumber: z.string(), queryId: z.string() }),
  expiresAt: z.number(),
  bundle: z.custom<Bundle>((value) => typeof value === 'object' && value !== null && 'resourceType' in value),
});

/**
 * The use order of the snapshots: a score from Redis's own clock (one clock for every process),
 * strictly increasing, so that two uses in the same millisecond still have an order.
 */
const NEXT_SCORE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now <= last then now = last + 1 end
redis.call('SET', KEYS[2], now, 'PX', ARGV[1])
`;

/**
 * Saves a snapshot and its tombstone and indexes it by use (all) and by age (its owner's). First
 * drops what has expired; then, while the owner's snapshots and this one would pass the owner's byte
 * budget, the owner's own oldest; then, while the count or the byte budget of all would be passed,
 * the least recently used of anyone (deleting content; tombstones stay). KEYS: index, clock,
 * snapshot, tombstone, sizes (id → "bytes:owner tag"), owner index. ARGV: tombstone ttl, ttl, max,
 * key prefix, id, value, owner hash, bytes, max bytes, max bytes per owner, owner tag.
 */
const SAVE = `${NEXT_SCORE}
local ttl = tonumber(ARGV[2])
local bytes = tonumber(ARGV[8])
local function size(id)
  local meta = redis.call('HGET', KEYS[5], id)
  return meta and tonumber(string.match(meta, '^(%d+):')) or 0
end
local function evict(id)
  local meta = redis.call('HGET', KEYS[5], id)
  redis.call('DEL', ARGV[4] .. id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[5], id)
  if meta then redis.call('ZREM', ARGV[4] .. 'owner:' .. string.match(meta, ':(.*)$'), id) end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)) do evict(id) end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - ttl)
local mine = redis.call('ZRANGE', KEYS[6], 0, -1)
local owned = 0
for _, id in ipairs(mine) do owned = owned + size(id) end
local i = 1
while owned + bytes > tonumber(ARGV[10]) and i <= #mine do
  owned = owned - size(mine[i]); evict(mine[i]); i = i + 1
end
local all = redis.call('ZRANGE', KEYS[1], 0, -1)
local total = 0
for _, id in ipairs(all) do total = total + size(id) end
local j = 1
local evicted = i - 1
while j <= #all and (#all - j + 1 >= tonumber(ARGV[3]) or total + bytes > tonumber(ARGV[9])) do
  total = total - size(all[j]); evict(all[j]); j = j + 1; evicted = evicted + 1
end
redis.call('SET', KEYS[3], ARGV[6], 'PX', ttl)
redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('HSET', KEYS[5], ARGV[5], ARGV[8] .. ':' .. ARGV[11])
redis.call('ZADD', KEYS[6], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[5], ttl)
redis.call('PEXPIRE', KEYS[6], ttl)
return evicted
`;

/**
 * Reads a snapshot and its tombstone, and marks the snapshot used if it is still there (whoever
 * asks: the order only decides eviction). KEYS: index, clock, snapshot, tombstone. ARGV: tombstone
 * ttl, id.
 */
const FIND = `
local value = redis.call('GET', KEYS[3])
local tombstone = redis.call('GET', KEYS[4])
if value then
${NEXT_SCORE}
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
end
return { value, tombstone }
`;

/**
 * Snapshots in Redis, shared by every process and pod of the broker, so that a `next` link can be
 * followed wherever the load balancer sends it. Keys hold only the random id:
 * `{prefix}{id}` is the snapshot, AES-256-GCM encrypted with the id as associated data, and lives
 * `ttlMs` (PX); `{prefix}{id}:gone` is its tombstone, a salted hash of the owner only, living ten
 * times longer so that the owner is told "expired" (410) rather than "unknown" (404); `{prefix}index`
 * orders the live ones by last use, to keep at most `maxSnapshots` and `maxBytes` of them;
 * `{prefix}sizes` and `{prefix}owner:{tag}` keep each owner within `maxBytesPerOwner`, their own
 * oldest first.
 *
 * A value that does not decrypt (the signing key, and so the key, changed) reads as expired. When
 * Redis cannot be reached, `save` and `find` reject with PageStoreUnavailable.
 */
export class RedisPageSnapshotStore implements PageSnapshotStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxSnapshots: number;
  private readonly tombstoneTtlMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: RedisPageSnapshotStoreOptions) {
    if (options.key.length !== 32) throw new Error('The page snapshot key must be 32 bytes');
    this.redis = options.redis;
    this.prefix = options.keyPrefix;
    this.maxSnapshots = options.maxSnapshots ?? 500;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? options.ttlMs * 10;
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async save(input: { owner: string; subject: PageSubject; bundle: Bundle }): Promise<PageSnapshot> {
    const snapshot = newSnapshot(input, Date.now(), this.options.ttlMs);
    const value = this.seal(snapshot);
    const tag = this.ownerTag(snapshot.owner);
    await this.call(() =>
      this.redis.eval(
        SAVE,
        6,
        this.indexKey,
        this.clockKey,
        this.prefix + snapshot.id,
        this.tombstoneKey(snapshot.id),
        `${this.prefix}sizes`,
        `${this.prefix}owner:${tag}`,
        this.tombstoneTtlMs,
        this.options.ttlMs,
        this.maxSnapshots,
        this.prefix,
        snapshot.id,
        value,
        ownerHash(snapshot.id, snapshot.owner),
        value.length,
        this.options.maxBytes ?? Number.MAX_SAFE_INTEGER,
        this.options.maxBytesPerOwner ?? Number.MAX_SAFE_INTEGER,
        tag,
      ),
    );
    return snapshot;
  }

  async find(id: string, owner: string): Promise<SnapshotLookup> {
    if (!SNAPSHOT_ID.test(id)) return { status: 'unknown' };
    const [value, tombstone] = await this.call(async () => {
      // [snapshot or nil, tombstone or nil] (a missing key is false in Lua, which keeps its place).
      const found = (await this.redis.callBuffer('EVAL', [
        FIND,
        4,
        this.indexKey,
        this.clockKey,
        this.prefix + id,
        this.tombstoneKey(id),
        this.tombstoneTtlMs,
        id,
      ])) as (Buffer | null)[];
      return [found[0] || undefined, found[1]?.toString('utf8')] as const;
    });
    const ours = tombstone === ownerHash(id, owner);
    const snapshot = value ? this.open(id, value) : undefined;
    if (!snapshot) return ours ? { status: 'expired' } : { status: 'unknown' };
    if (snapshot.owner !== owner) return { status: 'unknown' };
    return { status: 'found', snapshot };
  }

  /** The client is the broker's: it closes it. */
  async close(): Promise<void> {}

  private get indexKey(): string {
    return `${this.prefix}index`;
  }

  private get clockKey(): string {
    return `${this.prefix}clock`;
  }

  /** The owner as the byte budget knows them: keyed with the snapshot key, so no user id is in Redis. */
  private ownerTag(owner: string): string {
    return createHmac('sha256', this.options.key).update(`page owner\0${owner}`).digest('base64url');
  }

  private tombstoneKey(id: string): string {
    return `${this.prefix}${id}:gone`;
  }

  private seal(snapshot: PageSnapshot): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.options.key, iv);
    cipher.setAAD(Buffer.from(snapshot.id));
    const { id: _id, ...content } = snapshot;
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(content), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), ciphertext]);
  }

  /** The snapshot, or undefined when the value is not one this key sealed for this id. */
  private open(id: string, value: Buffer): PageSnapshot | undefined {
    if (value.length < 1 + IV_BYTES + TAG_BYTES || value[0] !== FORMAT) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.options.key, value.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(value.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(value.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
      const content = sealed.safeParse(JSON.parse(plaintext.toString('utf8')));
      return content.success ? { id, ...content.data } : undefined;
    } catch {
      return undefined; // another key (rotated), or tampered with: unreadable either way
    }
  }

  /** One Redis exchange: fails fast when the client is not connected, and at `timeoutMs` when Redis is slow. */
  private async call<T>(exchange: () => Promise<T>): Promise<T> {
    // A disconnected client would queue the command behind its reconnection instead.
    if (this.redis.status !== 'ready') throw new PageStoreUnavailable();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exchange(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), this.timeoutMs);
        }),
      ]);
    } catch (error) {
      throw new PageStoreUnavailable({ cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The tombstone's content: the owner, hashed with the id as salt (no user id in Redis in clear). */
function ownerHash(id: string, owner: string): string {
  return createHash('sha256').update(`hie-broker page owner\0${id}\0${owner}`).digest('base64url');
}
