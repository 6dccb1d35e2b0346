import { decodeJwt } from 'jose';
import type { NextFunction, Request, Response } from 'express';
import { RELATIONSHIP_BASES, type RelationshipBasis, type StatedRelationship } from '../../core/requester';
import { TokenRejected, type UserTokenVerifier } from '../auth/user-token-verifier';
import { REASON_HEADER, RELATIONSHIP_HEADER } from '../governance/relationship';
import type { PeerRegistry } from '../trust/peer-registry';
import {
  CHAIN_HEADER,
  REQUESTER_HEADER,
  verifyRequesterAssertion,
} from '../../core/trust/requester-assertion';
import { TrustError } from '../../core/trust/trust-error';
import { grantsWrite, type SystemGrant, type SystemTokens } from '../trust/system-tokens';
import type { ReplayStore } from '../trust/replay-store';
import { AccessDenied } from '../governance/access-denied';
import { badRequest } from './fhir-error';
import { OutcomeError, operationOutcome, outcomeOf } from '../../core/outcome-error';
import { locals } from './request-context';

const BROKER_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_CHAIN = 10;

/** The relationship a clinical system states for its user (absent: the broker must verify one). */
export function statedRelationship(req: Request): StatedRelationship | undefined {
  const basis = req.get(RELATIONSHIP_HEADER);
  const reason = req.get(REASON_HEADER);
  if (basis === undefined) {
    if (reason !== undefined)
      throw badRequest(
        `${REASON_HEADER} goes with ${RELATIONSHIP_HEADER}: self-claimed or emergency.`,
        REASON_HEADER,
      );
    return undefined;
  }
  if (!(RELATIONSHIP_BASES as readonly string[]).includes(basis)) {
    throw badRequest(
      `${RELATIONSHIP_HEADER} must be one of: ${RELATIONSHIP_BASES.join(', ')}.`,
      RELATIONSHIP_HEADER,
    );
  }
  return { basis: basis as RelationshipBasis, ...(reason !== undefined ? { reason } : {}) };
}

/** The chain of brokers a request has passed through, as the caller sent it. */
export function parseChain(header: string | undefined): string[] {
  if (!header) return [];
  const chain = header.split(',').map((id) => id.trim());
  if (chain.length > MAX_CHAIN || chain.some((id) => !BROKER_ID.test(id) || id.length > 32)) {
    throw badRequest(
      `${CHAIN_HEADER} must list at most ${MAX_CHAIN} broker ids, comma-separated.`,
      CHAIN_HEADER,
    );
  }
  return chain;
}

/** The `jti` of a token already verified, for the audit (never the token). */
function tokenIdOf(jwt: string): string | undefined {
  const { jti } = decodeJwt(jwt);
  return typeof jti === 'string' ? jti.slice(0, 128) : undefined;
}

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** A system token whose scope does not cover the request: 403, as RFC 6750 names it. */
const insufficientScope = (scope: string): OutcomeError =>
  new OutcomeError(
    'forbidden',
    outcomeOf(
      'forbidden',
      `A system token issued for ${scope.slice(0, 64) || 'no scope'} cannot write: neighbouring brokers are granted read access only.`,
    ),
    { headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="system/*.write"' } },
  );

const unauthorised = (text: string): OutcomeError =>
  new OutcomeError('unauthenticated', operationOutcome('error', 'login', text), {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

/**
 * Every patient-data request is for a person: either their own token from a trusted identity
 * provider, or a system token issued by this broker (SMART Backend Services) together with a
 * user assertion signed by that system, vouching for the person it acts for. Decisions are made on
 * the person's rights, never the intermediary's. Anything that does not verify is a 401.
 */
export function authenticate(options: {
  users: UserTokenVerifier;
  tokens: SystemTokens;
  peers: PeerRegistry;
  /** The configured public FHIR base URL: the audience of requester assertions (none accepted without it). */
  audience: () => string | undefined;
  /** Where requester assertions' jtis are remembered: the client assertions' replay store. */
  replays: ReplayStore;
}): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req, res, next) => {
    const context = locals(res);
    const authorization = req.get('authorization');
    if (!authorization?.startsWith('Bearer ')) {
      throw unauthorised(
        'Sign in first: send Authorization: Bearer <token> from a trusted identity provider (see /.well-known/smart-configuration for system clients).',
      );
    }
    const token = authorization.slice('Bearer '.length).trim();
    const assertion = req.get(REQUESTER_HEADER);

    if (options.users.claimsTrustedIssuer(token)) {
      if (assertion) throw unauthorised(`${REQUESTER_HEADER} is only accepted with a system token.`);
      try {
        const person = await options.users.verify(token);
        const relationship = statedRelationship(req);
        context.requester = relationship ? { ...person, relationship } : person;
        context.tokenId = tokenIdOf(token);
      } catch (error) {
        if (error instanceof TokenRejected)
          throw unauthorised('The access token is not valid here. Sign in again.');
        throw error;
      }
      // The chain is written into the audit record and decides which peers are asked: only a peer may state it.
      if (req.get(CHAIN_HEADER) !== undefined) {
        throw new AccessDenied(
          'chain',
          `${CHAIN_HEADER} is only accepted from a neighbouring broker; a clinical system must not send it.`,
        );
      }
      return next();
    }

    let grant: SystemGrant;
    try {
      grant = await options.tokens.verifyAccessToken(token);
    } catch (error) {
      if (error instanceof TrustError)
        throw unauthorised(
          'The access token is not valid here. Sign in again, or request a new one from /oauth/token.',
        );
      throw error;
    }
    if (!assertion) {
      throw unauthorised(
        `A system acting for a person must send ${REQUESTER_HEADER}: a user assertion signed with its own key.`,
      );
    }
    const system = grant.clientId;
    const audience = options.audience();
    if (!audience)
      throw unauthorised(
        `No ${REQUESTER_HEADER} assertion is accepted here: server.publicBaseUrl is not configured.`,
      );
    context.peer = system;
    context.chain = parseChain(req.get(CHAIN_HEADER));
    try {
      context.requester = await verifyRequesterAssertion(assertion, {
        keys: options.peers.keysFor(system)!,
        issuer: system,
        audience,
        claimOnce: (jti, expiresAt) => options.replays.claimOnce(`requester/${system}:${jti}`, expiresAt),
      });
      context.tokenId = tokenIdOf(assertion);
    } catch (error) {
      if (error instanceof TrustError)
        throw unauthorised(`The ${REQUESTER_HEADER} assertion could not be verified: ${error.reason}.`);
      throw error;
    }
    // The person is known from here on, so that a refusal below is audited with their name.
    const refusal = options.peers.refusal(system, context.requester);
    if (refusal) throw new AccessDenied(refusal.reason, refusal.text);
    if (!READ_METHODS.has(req.method) && !grantsWrite(grant.scope)) throw insufficientScope(grant.scope);
    next();
  };
}
