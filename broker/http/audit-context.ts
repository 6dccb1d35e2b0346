import type { Request, Response } from 'express';
import type { AuditInteraction, AuditRequest } from '../audit/audit-event';
import { locals } from './request-context';

/** The longest query the audit keeps (a longer URL is refused by the server's header limit first). */
const MAX_QUERY_CHARS = 4096;

/** What the audit records about an HTTP request, apart from the requester: see AuditRequest. */
export function auditContextOf(
  req: Request,
  res: Response,
  interaction: AuditInteraction,
): Omit<AuditRequest, 'requester' | 'chain'> {
  const context = locals(res);
  context.audited = true;
  const userAgent = req.get('user-agent');
  return {
    requestId: context.trace.requestId,
    interaction,
    query: req.originalUrl.slice(0, MAX_QUERY_CHARS),
    ...(context.tokenId ? { tokenId: context.tokenId } : {}),
    client: {
      ...(context.peer ? { peer: context.peer } : {}),
      ...(req.ip ? { address: req.ip } : {}),
      ...(userAgent ? { userAgent } : {}),
    },
  };
}

/** The same, with the requester and chain: for governance routes that commit their own AuditEvents. */
export function auditRequestOf(req: Request, res: Response, interaction: AuditInteraction): AuditRequest {
  const { requester, chain } = locals(res);
  if (!requester) throw new Error('auditRequestOf needs an authenticated request');
  return {
    ...auditContextOf(req, res, interaction),
    requester,
    ...(chain?.length ? { chain } : {}),
  };
}
