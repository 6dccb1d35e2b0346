import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';
import { isRecordResourceType } from '../../core/fhir/resource-types';
import type { Logger } from '../observability/logger';
import type { RecentReferences, ReferenceLocator, ReferenceOrigin } from './recent-references';

export interface RedisReferenceLocatorOptions {
  /** The broker's client (shared: opens and closes no connection of its own). */
  readonly redis: Redis;
  /** e.g. `hie-broker:{brokerId}:ref:`; every key starts with it. */
  readonly keyPrefix: string;
  readonly ttlMs: number;
  /** A 32-byte secret every process shares (the page snapshot key); a key for this use is derived from it. */
  readonly secret: Buffer;
  /** This process's own memory: answered first, and all there is while Redis is unavailable. */
  readonly local: RecentReferences;
  readonly logger: Logger;
  readonly timeoutMs?: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const origin = z.object({
  nhsNumber: z.string().regex(/^\d{10}$/),
  resourceTypes: z.array(z.string().refine(isRecordResourceType)),
});

/**
 * The ids users were shown, shared by every process and pod through Redis, so that a read by id
 * works wherever the load balancer sends it. A key is a hash of the user and the id (neither in
 * clear); a value is the NHS number and record types, AES-256-GCM encrypted with the key name as
 * associated data, living `ttlMs`. Remembering never fails a search (Redis unavailable: this process
 * still remembers, and says so once); a read that cannot ask Redis answers 503.
 */
export class RedisReferenceLocator implements ReferenceLocator {
  private readonly key: Buffer;
  private readonly timeoutMs: number;
  private unavailableSaid = false;

  constructor(private readonly options: RedisReferenceLocatorOptions) {
    this.key = Buffer.from(
      hkdfSync('sha256', options.secret, Buffer.alloc(0), 'hie-broker read-by-id index', 32),
    );
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async remember(owner: string, references: readonly string[], from: ReferenceOrigin): Promise<void> {
    this.options.local.rememberNow(owner, references, from);
    const unique = [...new Set(references)];
    if (unique.length === 0) return;
    try {
      await this.call(() => {
        const batch = this.options.redis.pipeline();
        for (const reference of unique) {
          const name = this.keyOf(owner, reference);
          batch.set(name, this.seal(name, from), 'PX', this.options.ttlMs);
        }
        return batch.exec();
      });
      this.unavailableSaid = false;
    } catch (error) {
      if (!this.unavailableSaid) {
        this.options.logger.warn(
          { err: error },
          'ids shown are remembered by this process only: redis is unavailable, so a read by id works only here',
        );
        this.unavailableSaid = true;
      }
    }
  }

  async locate(owner: string, reference: string): Promise<ReferenceOrigin | undefined> {
    const here = this.options.local.locateNow(owner, reference);
    if (here) return here;
    const name = this.keyOf(owner, reference);
    let value: Buffer | null;
    try {
      value = await this.call(() => this.options.redis.getBuffer(name));
    } catch (error) {
      throw new OutcomeError(
        'unavailable',
        operationOutcome(
          'error',
          'transient',
          'A read by id cannot be answered just now: the store that remembers which record an id belongs to is unavailable. Try again in a minute, or repeat the search.',
        ),
        { cause: error, headers: { 'Retry-After': '30' } },
      );
    }
    return value ? this.open(name, value) : undefined;
  }

  private keyOf(owner: string, reference: string): string {
    const digest = createHash('sha256')
      .update(`hie-broker read-by-id\0${owner}\0${reference}`)
      .digest('base64url');
    return `${this.options.keyPrefix}${digest}`;
  }

  private seal(name: string, from: ReferenceOrigin): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(JSON.stringify(from)), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** A value that does not decrypt (the signing key changed) or parse is as if it were not there. */
  private open(name: string, value: Buffer): ReferenceOrigin | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, value.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(value.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(value.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      const parsed = origin.safeParse(JSON.parse(text.toString('utf8')));
      return parsed.success ? (parsed.data as ReferenceOrigin) : undefined;
    } catch {
      return undefined;
    }
  }

  /** One Redis exchange: fails fast when the client is not connected, and at `timeoutMs` when Redis is slow. */
  private async call<T>(exchange: () => Promise<T>): Promise<T> {
    if (this.options.redis.status !== 'ready') throw new Error('Redis is not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exchange(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), this.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
