import { Router } from 'express';
import type { AlertDesk } from '../audit/alert-desk';
import type { ObjectionRegister } from '../governance/objection-register';
import { adminRoutes } from './governance/admin-routes';
import { auditRoutes } from './governance/audit-routes';
import { consentRoutes } from './governance/consent-routes';
import type { GovernanceContext } from './governance/guarded';

export interface GovernanceRoutesOptions extends GovernanceContext {
  readonly objections: ObjectionRegister;
  readonly alerts: AlertDesk;
}

/**
 * Governance: the audit trail (`GET /fhir/AuditEvent`, privacy officers), the objection register
 * (`/fhir/Consent`, information governance), privacy-officer alerts and the usage report (`/admin`).
 * Each needs its duty; each use is itself audited, and a refusal too.
 */
export function governanceRoutes(options: GovernanceRoutesOptions): { fhir: Router; admin: Router } {
  const fhir = Router();
  fhir.use(auditRoutes(options));
  fhir.use(consentRoutes(options));
  return { fhir, admin: adminRoutes(options) };
}
