import { Router } from 'express';
import type { AlertDesk } from '../audit/alert-desk';
import type { DeadLetterDesk } from '../events/dead-letter-desk';
import type { ObjectionRegister } from '../governance/objection-register';
import { adminRoutes } from './governance/admin-routes';
import { auditRoutes } from './governance/audit-routes';
import { consentRoutes } from './governance/consent-routes';
import { notificationAdminRoutes } from './governance/notification-routes';
import type { GovernanceContext } from './governance/guarded';

export interface GovernanceRoutesOptions extends GovernanceContext {
  readonly objections: ObjectionRegister;
  readonly alerts: AlertDesk;
  readonly deadLetters: DeadLetterDesk;
}

/**
 * Governance: the audit trail (`GET /fhir/AuditEvent`, privacy officers), the objection register
 * (`/fhir/Consent`, information governance), privacy-officer alerts, the usage report and dead-lettered
 * notifications (`/admin`).
 * Each needs its duty; each use is itself audited, and a refusal too.
 */
export function governanceRoutes(options: GovernanceRoutesOptions): { fhir: Router; admin: Router } {
  const fhir = Router();
  fhir.use(auditRoutes(options));
  fhir.use(consentRoutes(options));
  const admin = Router().use(adminRoutes(options), notificationAdminRoutes(options));
  return { fhir, admin };
}
