import type { Request, Response } from 'express';
import type { AuditTrail } from '../audit/audit-trail';
import { auditRequestOf } from './audit-context';
import { OutcomeError, statusOf } from '../../core/outcome-error';
import { locals } from './request-context';

/** Routes whose every authenticated request is a request for patient or governance data. */
const AUDITED_PATHS = /^\/(fhir|api|admin)\//;

/**
 * A patient-data request refused or failed before any view was asked for (a malformed NHS number,
 * a rate limit, an unknown route) is audited too. The answer does not wait on this succeeding: no
 * data is released either way, and the trail has logged its own failure.
 */
export async function auditRefusal(
  trail: AuditTrail,
  req: Request,
  res: Response,
  error: unknown,
): Promise<void> {
  const context = locals(res);
  if (!context.requester || context.audited || !AUDITED_PATHS.test(req.originalUrl)) return;
  const status = error instanceof OutcomeError ? statusOf(error.kind) : statusOf('failed');
  const text = error instanceof OutcomeError ? error.text : 'The broker failed to answer.';
  try {
    await trail.commit({
      request: auditRequestOf(req, res, 'read'),
      action: 'patient-view',
      outcome: status >= 500 ? '8' : '4',
      outcomeDesc: `HTTP ${status}: ${text}`.slice(0, 1000),
    });
  } catch {
    // Logged by the trail; the request is refused either way.
  }
}
