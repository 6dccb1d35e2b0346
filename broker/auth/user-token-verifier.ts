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
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token-cache';
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

/**
 * Verifies user-context tokens from the configured issuers. Cheap refusals come first: size, the
 * header (an allowed asymmetric algorithm, a well-formed kid, no jku/x5u/jwk to follow), an issuer
 * we trust; only then the signature (keys from that issuer alone), and the claims after it.
 */
export class UserTokenVerifier {
  private readonly issuers: ReadonlyMap<string, Issuer>;
  /**
   * Tokens already verified: a clinician's system sends the same token with every view for its life,
   * and an ECDSA verification per view was a measurable part of the broker's CPU.
   */
  private readonly verified: VerifiedTokenCache<Requester>;

  constructor(
    issuers: readonly IssuerConfig[],
    options: {
      jwksTimeoutMs?: number;
      jwksCooldownMs?: number;
      cache?: VerifiedTokenCacheOptions;
      clock?: () => number;
    } = {},
  ) {
    this.verified = new VerifiedTokenCache(options.cache, options.clock);
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
    return this.verified.verify(token, async (fresh) => {
      const { requester, expiresAt } = await this.verifyAfresh(fresh);
      return { value: requester, expiresAt };
    });
  }

  /** How many verified tokens are remembered now. */
  get rememberedTokens(): number {
    return this.verified.size;
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
