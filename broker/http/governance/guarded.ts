import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import type { Requester } from '../../../core/requester';
import type { GovernanceDuty } from '../../../config/schema';
import type { AuditInteraction } from '../../audit/audit-event';
import type { AuditTrail } from '../../audit/audit-trail';
import type { AccessPolicy } from '../../governance/access-policy';
import { AccessDenied } from '../../governance/access-denied';
import { auditRequestOf } from '../audit-context';
import { locals } from '../request-context';

/** What every governance route needs: the trail, the policy, and who is asking. */
export interface GovernanceContext {
  readonly trail: AuditTrail;
  readonly policy: AccessPolicy;
  readonly requesterOf: (req: Request, res: Response) => Requester;
  readonly baseUrlOf: (req: Request) => string;
  readonly maxBodyBytes: number;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type GuardedHandler = (req: Request, res: Response) => Promise<void>;

/**
 * A route that needs a governance duty: checks the duty, runs the handler; a refusal is audited (the
 * trail holds patient data), and every answer is no-store.
 */
export function guardedBy(
  context: GovernanceContext,
): (
  route: string,
  duty: GovernanceDuty,
  interaction: AuditInteraction,
  action: string,
  handler: GuardedHandler,
) => GuardedHandler {
  const { trail, policy } = context;
  return (route, duty, interaction, action, handler) =>
    async (req: Request, res: Response): Promise<void> => {
      locals(res).route = route;
      res.set('Cache-Control', 'no-store');
      const requester = context.requesterOf(req, res);
      try {
        policy.requireDuty(requester, duty);
      } catch (error) {
        if (error instanceof AccessDenied) {
          await trail.commit({
            request: auditRequestOf(req, res, interaction),
            action,
            outcome: '4',
            outcomeDesc: error.text,
          });
        }
        throw error;
      }
      await handler(req, res);
    };
}

/** A searchset of governance records (AuditEvents, Consents), with a `next` link when there are more. */
export function searchset(resources: readonly Resource[], base: string, self: string, next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' as const },
    })),
  };
}
