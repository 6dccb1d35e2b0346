import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Requester } from '../../core/requester';
import type { BrokerConfig } from '../../config/schema';

type IssuerConfig = BrokerConfig['auth']['issuers'][number];

/** Why a user token was refused. The reason is for logs and tests; the caller is told only "not valid". */
export class TokenRejected extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('Token rejected', options);
    this.name = 'TokenRejected';
  }
}

const KID = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

interface Issuer {
  readonly config: IssuerConfig;
  readonly keys: JWTVerifyGetKey;
}

/** How many verified tokens are remembered, and for how long at most (a key dropped from the JWKS stops counting after this). */
export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

const DEFAULT_CACHE: VerifiedTokenCacheOptions = { maxEntries: 10_000, maxAgeMs: 60_000 };

interface Verified {
  readonly requester: Requester;
  /** Epoch ms after which the entry no longer stands for a verification: the token's exp, or the cache's own limit. */
  readonly until: number;
}

/**
 * Verifies user-context tokens from the configured issuers. Cheap refusals come first: size, the
 * header (an allowed asymmetric algorithm, a well-formed kid, no jku/x5u/jwk to follow), an issuer
 * we trust; only then the signature (keys from that issuer alone), and the claims after it.
 */
export class UserTokenVerifier {
  private readonly issuers: ReadonlyMap<string, Issuer>;
  /**
   * Tokens already verified, by the SHA-256 of the token (never the token itself): a clinician's
   * system sends the same token with every view for its life, and an ECDSA verification per view was
   * a measurable part of the broker's CPU. An entry lasts no longer than the token's exp, nor than
   * `maxAgeMs`; only successful verifications are remembered.
   */
  private readonly verified = new Map<string, Verified>();
  private readonly cache: VerifiedTokenCacheOptions;
  private readonly clock: () => number;

  constructor(
    issuers: readonly IssuerConfig[],
    options: {
      jwksTimeoutMs?: number;
      jwksCooldownMs?: number;
      cache?: VerifiedTokenCacheOptions;
      clock?: () => number;
    } = {},
  ) {
    this.cache = options.cache ?? DEFAULT_CACHE;
    this.clock = options.clock ?? Date.now;
    this.issuers = new Map(
      issuers.map((config) => [
        config.issuer,
        {
          config,
          keys: config.jwksUrl
            ? createRemoteJWKSet(new URL(config.jwksUrl), {
                timeoutDuration: options.jwksTimeoutMs ?? 2000,
                cooldownDuration: options.jwksCooldownMs ?? 30_000,
                cacheMaxAge: 10 * 60_000,
              })
            : createLocalJWKSet(
                JSON.parse(readFileSync(config.jwksFile!, 'utf8')) as Parameters<typeof createLocalJWKSet>[0],
              ),
        },
      ]),
    );
  }

  /** Whether a token claims to come from one of the trusted issuers (without trusting it yet). */
  claimsTrustedIssuer(token: string): boolean {
    try {
      const iss = decodeJwt(token).iss;
      return iss !== undefined && this.issuers.has(iss);
    } catch {
      return false;
    }
  }

  async verify(token: string): Promise<Requester> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected('token too large');
    const digest = this.cache.maxEntries > 0 ? createHash('sha256').update(token).digest('base64url') : '';
    const known = digest ? this.verified.get(digest) : undefined;
    if (known) {
      if (this.clock() < known.until) return known.requester;
      this.verified.delete(digest);
    }
    const { requester, expiresAt } = await this.verifyAfresh(token);
    // One object serves every request with this token: frozen, so no request can change it for the next.
    Object.freeze(requester);
    if (digest) this.remember(digest, requester, expiresAt);
    return requester;
  }

  /** How many verified tokens are remembered now. */
  get rememberedTokens(): number {
    return this.verified.size;
  }

  private remember(digest: string, requester: Requester, expiresAt: number): void {
    const until = Math.min(expiresAt, this.clock() + this.cache.maxAgeMs);
    if (until <= this.clock()) return;
    // Oldest first out: a Map iterates in insertion order.
    while (this.verified.size >= this.cache.maxEntries)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digest, { requester, until });
  }

  private async verifyAfresh(token: string): Promise<{ requester: Requester; expiresAt: number }> {
    let header;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (cause) {
      throw new TokenRejected('not a JWT', { cause });
    }
    const issuer = unverified.iss ? this.issuers.get(unverified.iss) : undefined;
    if (!issuer) throw new TokenRejected('unknown issuer');
    const { config } = issuer;
    if (!header.alg || !(config.algorithms as readonly string[]).includes(header.alg)) {
      throw new TokenRejected('algorithm not allowed');
    }
    if (header.kid !== undefined && !KID.test(header.kid)) throw new TokenRejected('malformed kid');
    if ('jku' in header || 'x5u' in header || 'jwk' in header)
      throw new TokenRejected('key location headers are not accepted');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: [...config.algorithms],
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp'],
        ...(config.typ ? { typ: config.typ } : {}),
      }));
    } catch (cause) {
      throw new TokenRejected('signature or claims not valid', { cause });
    }
    // exp is required, so present; the clock tolerance is not extended to cached entries.
    return { requester: requesterFrom(payload, config.claims), expiresAt: (payload.exp ?? 0) * 1000 };
  }
}

function claim(payload: JWTPayload, path: string): string | undefined {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

function requesterFrom(payload: JWTPayload, claims: IssuerConfig['claims']): Requester {
  const userId = claim(payload, claims.userId);
  if (!userId) throw new TokenRejected('no user id');
  const name = claim(payload, claims.name);
  return {
    userId,
    ...(name ? { name } : {}),
    role: claim(payload, claims.role) ?? '',
    organisationOds: claim(payload, claims.organisation) ?? '',
    purposeOfUse: claim(payload, claims.purpose) ?? '',
  };
}
