import { OutcomeError, outcomeOf, type OutcomeKind } from '../core/outcome-error';

/** A launch the viewer refuses: the text (never a token, never patient data) says what can be done. */
export class LaunchRefused extends OutcomeError {
  constructor(kind: OutcomeKind, text: string, options?: { cause?: unknown }) {
    super(kind, outcomeOf(kind, text), options);
    this.name = 'LaunchRefused';
  }
}
