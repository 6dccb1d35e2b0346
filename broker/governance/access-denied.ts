import { OutcomeError, outcomeOf } from '../../core/outcome-error';

/** A request refused by policy: the text tells the person why and what they can do. */
export class AccessDenied extends OutcomeError {
  constructor(
    /** A code for logs and tests: no-role, unknown-role, purpose, type-not-permitted. */
    readonly reason: string,
    /** For the person who asked; never contains patient identifiers. */
    text: string,
  ) {
    super('forbidden', outcomeOf('forbidden', text));
    this.name = 'AccessDenied';
  }
}
