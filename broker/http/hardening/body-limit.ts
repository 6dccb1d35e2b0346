import type { NextFunction, Request, Response } from 'express';
import { OutcomeError, operationOutcome } from '../../../core/outcome-error';

/**
 * Paths whose handlers read a request body: the token endpoint's form, the objection register's
 * Consents, alert acknowledgements, events and Subscriptions. Every other route reads none.
 */
export const BODY_PATHS: readonly string[] = ['/oauth/token', '/auth/token'];
const BODY_PATH_PATTERNS: readonly RegExp[] = [
  /^\/fhir\/Consent(\/[^/]+)?$/,
  /^\/admin\/alerts\/[^/]+\/acknowledge$/,
  // Real-time events and Subscriptions (read with a limit as they arrive).
  /^\/events\/(ambulance-incident|encounter)$/,
  /^\/fhir\/Subscription$/,
];
export const takesBody = (path: string): boolean =>
  BODY_PATHS.includes(path) || BODY_PATH_PATTERNS.some((pattern) => pattern.test(path));

const tooLarge = (text: string): OutcomeError =>
  new OutcomeError('too-large', operationOutcome('error', 'too-costly', text), {
    headers: { Connection: 'close' },
  });

/**
 * Refuses an oversized body from its Content-Length, before a byte of it is read, and a body of
 * unknown length (chunked) on a route that takes none. The connection is closed after the 413, so
 * the rest of the body is never read (Node would otherwise drain it to keep the connection alive).
 * A chunked body to the token endpoint is counted as it is read (see readForm).
 */
export function bodyLimit(options: {
  maxBytes: number;
}): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > options.maxBytes) {
      throw tooLarge(`The request body is larger than the ${options.maxBytes} bytes this broker accepts.`);
    }
    if (declared === undefined && req.headers['transfer-encoding'] !== undefined && !takesBody(req.path)) {
      throw tooLarge('This endpoint takes no request body.');
    }
    next();
  };
}

/** The same refusal, for a body found too large while it is read. */
export const bodyTooLarge = (maxBytes: number): OutcomeError =>
  tooLarge(`The request body is larger than the ${maxBytes} bytes this broker accepts.`);
