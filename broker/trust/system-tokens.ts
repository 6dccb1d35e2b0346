import { TrustError } from '../../core/trust/trust-error';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { EventSystemRegistry } from './event-system-registry';
import type { PeerRegistry } from './peer-registry';
import { MemoryReplayStore, type ReplayStore } from './replay-store';
import type { SigningKey } from '../../core/trust/signing-key';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from '../auth/verified-token-cache';

const ASSERTION_LIFETIME_LIMIT_S = 300;
/** Issued access tokens live at most this long (SMART Backend Services recommends five minutes). */
export const ACCESS_TOKEN_LIFETIME_LIMIT_S = 300;

/** The scope an event system is granted: send its events, manage its own Subscriptions. */
export const EVENT_SYSTEM_SCOPE = 'system/Subscription.cruds system/Encounter.c';

/** What a verified system token grants: who it was issued to, and its SMART scopes (space-separated). */
export interface SystemGrant {
  readonly clientId: string;
  readonly scope: string;
}

/**
 * Whether a SMART scope string grants any write: `system/<type>.write` or `.*` (v1), or a v2
 * permission set holding c, u or d. A missing or read-only scope grants none.
 */
export function grantsWrite(scope: string): boolean {
  return scope.split(' ').some((s) => {
    const permission = /^system\/(?:\*|[A-Za-z]+)\.(write|\*|[cruds]+)$/.exec(s)?.[1];
    return permission === 'write' || permission === '*' || /[cud]/.test(permission ?? '');
  });
}

/**
 * The broker as an authorisation server for its peers (SMART Backend Services): it verifies a
 * peer's private_key_jwt assertion and issues a short-lived access token signed with its own key,
 * which it verifies statelessly on each request.
 */
export class SystemTokens {
  private readonly ownKeys;

  constructor(
    private readonly options: {
      key: SigningKey;
      issuer: string;
      peers: PeerRegistry;
      /** Systems registered for events: their tokens have their own audience, so they never pass as a peer's. */
      systems?: EventSystemRegistry;
      /** Where used assertion jtis are remembered (Redis when configured: every pod refuses a replay). */
      replays?: ReplayStore;
      /** At most ACCESS_TOKEN_LIFETIME_LIMIT_S; a longer one is cut to it. */
      lifetimeSeconds?: number;
      /** Access tokens already verified (a peer sends the same token with every view for its life). */
      cache?: VerifiedTokenCacheOptions;
      clock?: () => number;
    },
  ) {
    this.ownKeys = createLocalJWKSet({ keys: [options.key.publicJwk] });
    this.replays = options.replays ?? new MemoryReplayStore();
    this.peerTokens = new VerifiedTokenCache(options.cache, options.clock);
    this.eventTokens = new VerifiedTokenCache(options.cache, options.clock);
  }

  /**
   * The grants of access tokens already verified, for peers and for event systems apart: a peer sends
   * the same token with every view for its life, and an ES384 verification costs most of a millisecond.
   * Whether the client is still registered is asked on every request all the same.
   */
  private readonly peerTokens: VerifiedTokenCache<SystemGrant>;
  private readonly eventTokens: VerifiedTokenCache<SystemGrant>;

  private readonly replays: ReplayStore;

  /** Verifies a client assertion (iss = sub = a registered peer, aud = this token URL, exp ≤ 5 min, jti once). */
  async verifyAssertion(assertion: string, tokenUrl: string): Promise<string> {
    let claims: { iss?: unknown; sub?: unknown };
    try {
      claims = decodeJwt(assertion);
    } catch (cause) {
      throw new TrustError('the client assertion is not a JWT', { cause });
    }
    const clientId = typeof claims.iss === 'string' ? claims.iss : undefined;
    const keys = clientId
      ? (this.options.peers.keysFor(clientId) ?? this.options.systems?.keysFor(clientId))
      : undefined;
    if (!clientId || !keys) throw new TrustError('unknown client');
    // Checked here, before any key is fetched, and again by jwtVerify's subject option on the verified claims.
    if (claims.sub !== clientId) throw new TrustError('iss and sub must both be the client id');
    try {
      const { payload } = await jwtVerify(assertion, keys, {
        issuer: clientId,
        subject: clientId,
        audience: tokenUrl,
        algorithms: ['ES384', 'RS384'],
        requiredClaims: ['exp', 'jti'],
      });
      const now = Math.floor(Date.now() / 1000);
      if (payload.exp! > now + ASSERTION_LIFETIME_LIMIT_S)
        throw new TrustError('the assertion expires too far ahead');
      // Per client: one client cannot spend another's jti.
      if (!(await this.replays.claimOnce(`${clientId}:${payload.jti!}`, payload.exp!))) {
        throw new TrustError('the assertion was already used');
      }
    } catch (error) {
      throw error instanceof TrustError
        ? error
        : new TrustError('the client assertion could not be verified', { cause: error });
    }
    return clientId;
  }

  /** Whether the client is a registered event system (else a peer broker). */
  isEventSystem(clientId: string): boolean {
    return this.options.systems?.get(clientId) !== undefined;
  }

  /** The audience of event systems' tokens: distinct from peers', so that neither is accepted as the other. */
  private get eventAudience(): string {
    return `${this.options.issuer}#events`;
  }

  async issue(clientId: string, scope: string): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = Math.min(
      this.options.lifetimeSeconds ?? ACCESS_TOKEN_LIFETIME_LIMIT_S,
      ACCESS_TOKEN_LIFETIME_LIMIT_S,
    );
    const token = await new SignJWT({ scope })
      .setProtectedHeader({ alg: this.options.key.alg, kid: this.options.key.kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setSubject(clientId)
      .setAudience(this.isEventSystem(clientId) ? this.eventAudience : this.options.issuer)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .setJti(randomUUID())
      .sign(this.options.key.privateKey);
    return { token, expiresIn };
  }

  /** The peer a bearer token was issued to, and its scope; throws a TrustError for any token this broker did not issue. */
  async verifyAccessToken(token: string): Promise<SystemGrant> {
    const grant = await this.peerTokens.verify(token, (fresh) =>
      this.verifyOwnToken(fresh, this.options.issuer),
    );
    if (!this.options.peers.get(grant.clientId))
      throw new TrustError('the token names a client that is no longer a peer');
    return grant;
  }

  /** The event system a bearer token was issued to; throws a TrustError for any other token (a peer's too). */
  async verifyEventSystemToken(token: string): Promise<SystemGrant> {
    const grant = await this.eventTokens.verify(token, (fresh) =>
      this.verifyOwnToken(fresh, this.eventAudience),
    );
    if (!this.isEventSystem(grant.clientId))
      throw new TrustError('the token names a system that is no longer registered');
    return grant;
  }

  /** A token this broker issued for this audience: its grant and when it expires; else a TrustError. */
  private async verifyOwnToken(
    token: string,
    audience: string,
  ): Promise<{ value: SystemGrant; expiresAt: number }> {
    try {
      const { payload } = await jwtVerify(token, this.ownKeys, {
        issuer: this.options.issuer,
        audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub'],
      });
      return {
        value: { clientId: payload.sub!, scope: typeof payload.scope === 'string' ? payload.scope : '' },
        expiresAt: payload.exp! * 1000,
      };
    } catch (error) {
      throw new TrustError('the access token is not valid', { cause: error });
    }
  }
}
