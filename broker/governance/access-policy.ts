import type { Requester } from '../../core/requester';
import type { BrokerConfig, GovernanceDuty } from '../../config/schema';
import { RECORD_RESOURCE_TYPES, type RecordResourceType } from '../../core/fhir/resource-types';
import { AccessDenied } from './access-denied';

/** HL7 v3 PurposeOfUse codes for direct care: treatment, emergency treatment, break the glass. */
export const DIRECT_CARE_PURPOSES = ['TREAT', 'ETREAT', 'BTG'] as const;

const DUTY_TEXT: Readonly<Record<GovernanceDuty, string>> = {
  'audit-read': 'Reading the audit trail',
  alerts: 'Working privacy-officer alerts',
  'consent-manage': 'Managing the objection register',
  'usage-read': 'The usage report',
  'objection-record': "Recording a patient's objection",
  'notifications-manage': 'Managing dead-lettered notifications',
};

/**
 * Who may see what: the requester's national RBAC role decides which record types they may see, and
 * only direct care is a purpose for looking at all. Fails closed: no role, an unknown role or
 * another purpose sees nothing.
 */
export class AccessPolicy {
  constructor(private readonly roles: BrokerConfig['auth']['roles']) {}

  /** Whether the requester's role holds the duty (for offering it; requireDuty still decides). */
  holds(requester: Requester, duty: GovernanceDuty): boolean {
    const role =
      requester.role && Object.hasOwn(this.roles, requester.role) ? this.roles[requester.role] : undefined;
    return Boolean(role?.duties.includes(duty));
  }

  /** Throws AccessDenied unless the requester's role holds the governance duty. */
  requireDuty(requester: Requester, duty: GovernanceDuty): void {
    // A neighbouring broker vouches for direct care only: governance needs this broker's own sign-in.
    if (requester.relationship?.assertedBy !== undefined) {
      throw new AccessDenied(
        'vouched-duty',
        `${DUTY_TEXT[duty]} is never for a person a neighbouring broker vouches for: sign in with a token from one of this broker's own identity providers.`,
      );
    }
    const role =
      requester.role && Object.hasOwn(this.roles, requester.role) ? this.roles[requester.role] : undefined;
    if (!role?.duties.includes(duty)) {
      throw new AccessDenied(
        'duty',
        `${DUTY_TEXT[duty]} is for roles with the ${duty} duty; ${role ? `the ${role.name} role` : 'your role'} does not have it.`,
      );
    }
  }

  /** The types the requester may see of those asked for; throws AccessDenied when they may see none of them. */
  decide(requester: Requester, requested: readonly RecordResourceType[]): RecordResourceType[] {
    if (!requester.role) {
      throw new AccessDenied(
        'no-role',
        'Your token carries no role. Ask your system administrator to assign a national RBAC role.',
      );
    }
    const role = Object.hasOwn(this.roles, requester.role) ? this.roles[requester.role] : undefined;
    if (!role) {
      throw new AccessDenied(
        'unknown-role',
        `The role ${requester.role.slice(0, 12)} gives no access to shared care records here. Sign in with a role that has direct care access.`,
      );
    }
    if (role.types === 'none') {
      throw new AccessDenied(
        'type-not-permitted',
        `The ${role.name} role is for governance duties and gives no access to patient records.`,
      );
    }
    if (!(DIRECT_CARE_PURPOSES as readonly string[]).includes(requester.purposeOfUse)) {
      throw new AccessDenied(
        'purpose',
        `Records are shared for direct care only: state purpose of use TREAT, ETREAT or BTG (given: ${requester.purposeOfUse.slice(0, 16) || 'none'}).`,
      );
    }
    const permitted: readonly RecordResourceType[] =
      role.types === 'all' ? RECORD_RESOURCE_TYPES : role.types;
    const allowed = requested.filter((type) => permitted.includes(type));
    if (requested.length > 0 && allowed.length === 0) {
      throw new AccessDenied(
        'type-not-permitted',
        `The ${role.name} role may not see ${requested.join(', ')}. It may see: ${permitted.join(', ')}.`,
      );
    }
    return allowed;
  }
}
