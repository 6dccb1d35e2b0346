import type { TraceContext } from '../../core/source-contract';
import { isRestrictedPatient } from '../merge/sensitive-data/restricted-patient';
import type { IdentityAuthority } from '../view/identity-authority';

/**
 * Whether the national demographics service says an event's patient is restricted (S-flag). When it
 * cannot say (not found, down, too slow) the answer is yes: fail closed, a minimal notification
 * rather than one that might reveal where a person at risk is.
 */
export function restrictedByPds(
  authority: IdentityAuthority,
): (nhsNumber: string, trace: TraceContext) => Promise<boolean> {
  return async (nhsNumber, trace) => {
    const identity = await authority.confirm(nhsNumber, trace, Date.now() + authority.options.timeoutMs);
    return identity.status === 'confirmed' ? isRestrictedPatient(identity.patient) : true;
  };
}
