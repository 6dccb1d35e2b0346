import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export function operationOutcome(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  text: string,
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/**
 * A request that cannot be answered. The outcome's text is for the person who sent the request;
 * the HTTP layer maps it to a status once (`statusOf`).
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super('FHIR request failed', options);
    this.name = 'FhirError';
    this.headers = options?.headers ?? {};
  }

  readonly headers: Record<string, string>;
}

export const badRequest = (text: string, expression?: string): FhirError =>
  new FhirError(400, operationOutcome('error', 'invalid', text, expression));

export const notFound = (text: string): FhirError =>
  new FhirError(404, operationOutcome('error', 'not-found', text));

export const methodNotAllowed = (allow: string): FhirError =>
  new FhirError(
    405,
    operationOutcome('error', 'not-supported', `This endpoint is read-only; use ${allow}.`),
    {
      headers: { Allow: allow },
    },
  );

export const notAcceptable = (): FhirError =>
  new FhirError(
    406,
    operationOutcome(
      'error',
      'not-supported',
      'The broker answers in FHIR JSON only: ask for application/fhir+json or application/json.',
    ),
  );
