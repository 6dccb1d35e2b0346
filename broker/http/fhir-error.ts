import { OutcomeError, outcomeOf } from '../../core/outcome-error';

/** The HTTP layer's common refusals; each is an OutcomeError whose kind decides the status. */
export const badRequest = (text: string, expression?: string): OutcomeError =>
  new OutcomeError('invalid', outcomeOf('invalid', text, expression));

export const notFound = (text: string): OutcomeError =>
  new OutcomeError('not-found', outcomeOf('not-found', text));

export const methodNotAllowed = (allow: string): OutcomeError =>
  new OutcomeError(
    'method-not-allowed',
    outcomeOf('method-not-allowed', `This endpoint is read-only; use ${allow}.`),
    {
      headers: { Allow: allow },
    },
  );

export const notAcceptable = (): OutcomeError =>
  new OutcomeError(
    'not-acceptable',
    outcomeOf(
      'not-acceptable',
      'The broker answers in FHIR JSON only: ask for application/fhir+json or application/json.',
    ),
  );
