import type { Request, Response } from 'express';
import type { RefusalAggregator } from '../audit/refusal-aggregator';
import { auditRequestOf } from './audit-context';
import { OutcomeError, statusOf } from '../../core/outcome-error';
import { locals } from './request-context';

/**
 * Routes whose every authenticated request is a request for patient or governance data; matched
 * without regard to case, as the router matches (`/FHIR/...` is `/fhir/...`).
 */
const AUDITED_PATHS = /^\/(fhir|api|admin)\//i;

/**
 * A patient-data request refused or failed before any view was asked for (a malformed NHS number,
 * a rate limit, an unknown route) is audited too: a requester's repeated refusals in aggregate
 * (RefusalAggregator). The answer does not wait on this succeeding: no data is released either
 * way, and the trail has logged its own failure.
 */
export async function auditRefusal(
  refusals: RefusalAggregator,
  req: Request,
  res: Response,
  error: unknown,
): Promise<void> {
  const context = locals(res);
  if (!context.requester || context.audited || !AUDITED_PATHS.test(req.originalUrl)) return;
  const status = error instanceof OutcomeError ? statusOf(error.kind) : statusOf('failed');
  const text = error instanceof OutcomeError ? error.text : 'The broker failed to answer.';
  const { requester } = context;
  try {
    await refusals.refuse({
      key: `${requester.relationship?.assertedBy ?? ''}|${requester.userId}|${status}`,
      request: auditRequestOf(req, res, 'read'),
      status,
      text,
    });
  } catch {
    // Logged by the trail; the request is refused either way.
  }
}
