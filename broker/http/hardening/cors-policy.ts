import type { NextFunction, Request, Response } from 'express';
import { REASON_HEADER, RELATIONSHIP_HEADER } from '../../governance/relationship';

// A browser viewer states a relationship or emergency access with the same headers as any client.
const ALLOWED_HEADERS = ['Authorization', 'Accept', 'X-Request-Id', RELATIONSHIP_HEADER, REASON_HEADER].join(
  ', ',
);
const PREFLIGHT_MAX_AGE_S = '600';

/**
 * CORS, closed unless origins are listed: a listed browser origin may GET with an Authorization
 * header; nothing else is ever allowed (no credentials mode, no writes, no wildcard). A preflight
 * from a listed origin is answered here, before authentication (a preflight carries no token); one
 * from any other origin falls through to the routes, which refuse it as they would any OPTIONS.
 */
export function corsPolicy(options: {
  origins: readonly string[];
}): (req: Request, res: Response, next: NextFunction) => void {
  const allowed = new Set(options.origins);
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    res.vary('Origin');
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_S);
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
    next();
  };
}
