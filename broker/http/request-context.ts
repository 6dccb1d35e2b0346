import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { TraceContext } from '../../core/source-contract';
import type { Requester } from '../../core/requester';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface RequestLocals {
  trace: TraceContext;
  /** Brokers this request has passed through, as the caller said (a peer's request). */
  chain?: string[];
  /** The peer broker that authenticated, if any. */
  peer?: string;
  /** The user a peer vouched for, if any. */
  requester?: Requester;
  /** The `jti` of the user token or the peer's user assertion, for the audit. */
  tokenId?: string;
  /** Set once the request's access (or its refusal) is in the audit trail. */
  audited?: boolean;
  /** The route template, for logs: never the URL, which may hold an NHS number. */
  route?: string;
  /** A one-line summary of the view for the access log, without PHI. */
  viewSummary?: Record<string, unknown>;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/** Takes the caller's X-Request-Id (if well-formed) and traceparent, or makes a request id; echoes it. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
  const traceparent = req.get('traceparent');
  locals(res).trace = { requestId, ...(traceparent && TRACEPARENT.test(traceparent) ? { traceparent } : {}) };
  res.setHeader('X-Request-Id', requestId);
  next();
}
