import { OutcomeError, outcomeOf } from '../../core/outcome-error';

/** Why policy refused a request: for logs, metrics and tests, never shown as the explanation. */
export const ACCESS_DENIED_REASONS = [
  'no-role',
  'unknown-role',
  'purpose',
  'type-not-permitted',
  'duty',
  'reason-required',
  'no-relationship',
  'objection',
  'vouched-duty',
  'chain',
  'peer-role',
  'peer-organisation',
  'assertion-patient',
  'event-kind',
  'subscription-filter',
  'trace-role',
  'trace-peer',
  'trace-restricted',
] as const;
export type AccessDeniedReason = (typeof ACCESS_DENIED_REASONS)[number];

/** A request refused by policy: the text tells the person why and what they can do. */
export class AccessDenied extends OutcomeError {
  constructor(
    readonly reason: AccessDeniedReason,
    /** For the person who asked; never contains patient identifiers. */
    text: string,
  ) {
    super('forbidden', outcomeOf('forbidden', text));
    this.name = 'AccessDenied';
  }
}
