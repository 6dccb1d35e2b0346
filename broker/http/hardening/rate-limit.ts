import type { NextFunction, Request, Response } from 'express';
import { OutcomeError, operationOutcome } from '../../../core/outcome-error';
import { locals } from '../request-context';
import type { RateLimits } from './rate-limits';

const TEXT = {
  user: 'You have opened more records than this broker allows in a short time. Wait before trying again.',
  organisation:
    'Your organisation has opened more records than this broker allows in a short time. Wait before trying again.',
} as const;

const peerText = (name: string): string =>
  `Requests through ${name} have opened more records than this broker allows in a short time. Wait before trying again.`;

/**
 * Spends one unit of the signed-in person's and organisation's budgets; over either, 429 with
 * Retry-After. Runs after authentication, so the key is the verified identity, never an address or a
 * header the caller chose. A request without a requester is left to the routes, which refuse it.
 */
export function rateLimit(
  limits: RateLimits,
  /** A peer's name, for the text of its 429. */
  peerName: (clientId: string) => string,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (_req, res, next) => {
    const { requester, peer } = locals(res);
    if (!requester) return next();
    const decision = await limits.consume(requester, peer);
    if (!decision.allowed) {
      const text = decision.scope === 'peer' ? peerText(peerName(peer ?? '')) : TEXT[decision.scope];
      throw new OutcomeError('throttled', operationOutcome('error', 'throttled', text), {
        headers: { 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }
    next();
  };
}
