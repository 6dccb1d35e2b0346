import type { NextFunction, Request, Response } from 'express';
import type { PeerRegistry } from '../trust/peer-registry';
import { CHAIN_HEADER, REQUESTER_HEADER, verifyRequesterAssertion } from '../trust/requester-assertion';
import { TrustError, type SystemTokens } from '../trust/system-tokens';
import { badRequest, FhirError, operationOutcome } from './fhir-error';
import { locals } from './request-context';

const BROKER_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_CHAIN = 10;

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

const unauthorised = (text: string): FhirError =>
  new FhirError(401, operationOutcome('error', 'login', text), { headers: { 'WWW-Authenticate': 'Bearer' } });

/**
 * Reads what a peer broker sends: its system token (issued by this broker), the original user's
 * identity (signed by the peer) and the chain of brokers. A token or assertion that does not verify
 * is refused outright; nothing is taken on trust from an unauthenticated caller except the chain,
 * which can only restrict what this broker does.
 */
export function peerContext(options: {
  tokens: SystemTokens;
  peers: PeerRegistry;
  baseUrlOf: (req: Request) => string;
}): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req, res, next) => {
    const context = locals(res);
    context.chain = parseChain(req.get(CHAIN_HEADER));
    const authorization = req.get('authorization');
    const assertion = req.get(REQUESTER_HEADER);
    if (!authorization?.startsWith('Bearer ')) {
      if (assertion)
        throw unauthorised(`${REQUESTER_HEADER} is only accepted from an authenticated peer broker.`);
      return next();
    }
    let peer: string;
    try {
      peer = await options.tokens.verifyAccessToken(authorization.slice('Bearer '.length));
    } catch (error) {
      if (error instanceof TrustError)
        throw unauthorised('The access token is not valid here. Request a new one from /auth/token.');
      throw error;
    }
    context.peer = peer;
    if (assertion) {
      try {
        context.requester = await verifyRequesterAssertion(assertion, {
          keys: options.peers.keysFor(peer)!,
          issuer: peer,
          audience: options.baseUrlOf(req),
        });
      } catch (error) {
        if (error instanceof TrustError)
          throw unauthorised(`The ${REQUESTER_HEADER} assertion could not be verified.`);
        throw error;
      }
    }
    next();
  };
}
