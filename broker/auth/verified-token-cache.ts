import { createHash } from 'node:crypto';

/** How many verified tokens are remembered, and for how long at most (a key dropped from the JWKS stops counting after this). */
export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE: VerifiedTokenCacheOptions = {
  maxEntries: 10_000,
  maxAgeMs: 60_000,
};

interface Verified<T> {
  readonly value: T;
  /** Epoch ms after which the entry no longer stands for a verification: the token's exp, or the cache's own limit. */
  readonly until: number;
}

/**
 * Bearer tokens already verified, by the SHA-256 of the token (never the token itself), with what
 * their verification gave. A client sends the same token with every request for its life, and a
 * signature verification per request (ECDSA: most of a millisecond) was a measurable part of the
 * broker's CPU. An entry lasts no longer than the token's exp, nor than `maxAgeMs`; only successful
 * verifications are remembered, and the value is frozen, as one object serves every request.
 */
export class VerifiedTokenCache<T extends object> {
  private readonly verified = new Map<string, Verified<T>>();

  constructor(
    private readonly options: VerifiedTokenCacheOptions = DEFAULT_VERIFIED_TOKEN_CACHE,
    private readonly clock: () => number = Date.now,
  ) {}

  /** What the token verified to: remembered, or from `verifyAfresh` (which throws for a token it refuses). */
  async verify(
    token: string,
    verifyAfresh: (token: string) => Promise<{ readonly value: T; readonly expiresAt: number }>,
  ): Promise<T> {
    const digest = this.options.maxEntries > 0 ? createHash('sha256').update(token).digest('base64url') : '';
    const known = digest ? this.verified.get(digest) : undefined;
    if (known) {
      if (this.clock() < known.until) return known.value;
      this.verified.delete(digest);
    }
    const { value, expiresAt } = await verifyAfresh(token);
    Object.freeze(value);
    if (digest) this.remember(digest, value, expiresAt);
    return value;
  }

  /** How many verified tokens are remembered now. */
  get size(): number {
    return this.verified.size;
  }

  private remember(digest: string, value: T, expiresAt: number): void {
    const until = Math.min(expiresAt, this.clock() + this.options.maxAgeMs);
    if (until <= this.clock()) return;
    // Oldest first out: a Map iterates in insertion order.
    while (this.verified.size >= this.options.maxEntries)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digest, { value, until });
  }
}
