import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Why a request could not be answered, as the broker's own closed set. Each kind has one HTTP status
 * (`statusOf`, the only place a status is decided for a refused or failed request) and the FHIR
 * issue type its OperationOutcome usually carries.
 */
export const OUTCOME_KINDS = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not-found',
  'method-not-allowed',
  'not-acceptable',
  'conflict',
  'gone',
  'too-large',
  'unsupported-media-type',
  'throttled',
  'failed',
  'unavailable',
  'loop-detected',
  'bad-gateway',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

const HTTP_STATUS: Readonly<Record<OutcomeKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  gone: 410,
  'too-large': 413,
  'unsupported-media-type': 415,
  throttled: 429,
  failed: 500,
  unavailable: 503,
  'loop-detected': 508,
  // A source answered with something the broker will not pass on (a document too large, of a refused type).
  'bad-gateway': 502,
};

const ISSUE_TYPE: Readonly<Record<OutcomeKind, OperationOutcomeIssue['code']>> = {
  invalid: 'invalid',
  unauthenticated: 'login',
  forbidden: 'forbidden',
  'not-found': 'not-found',
  'method-not-allowed': 'not-supported',
  'not-acceptable': 'not-supported',
  conflict: 'conflict',
  gone: 'deleted',
  'too-large': 'too-costly',
  'unsupported-media-type': 'not-supported',
  throttled: 'throttled',
  failed: 'exception',
  unavailable: 'transient',
  'loop-detected': 'processing',
  'bad-gateway': 'exception',
};

/** The HTTP status of an outcome kind: one mapping for the whole broker. */
export function statusOf(kind: OutcomeKind): number {
  return HTTP_STATUS[kind];
}

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

/** An OperationOutcome of one error issue of the kind's usual FHIR issue type. */
export function outcomeOf(kind: OutcomeKind, text: string, expression?: string): OperationOutcome {
  return operationOutcome(kind === 'failed' ? 'fatal' : 'error', ISSUE_TYPE[kind], text, expression);
}

export interface OutcomeErrorOptions {
  readonly cause?: unknown;
  /** Response headers that belong with the answer (WWW-Authenticate, Retry-After, Allow). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A request that cannot be answered, at any layer (HTTP, governance, audit). The outcome's text is for
 * the person who sent the request; the HTTP layer answers it with `statusOf(kind)`.
 */
export class OutcomeError extends Error {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly kind: OutcomeKind,
    readonly outcome: OperationOutcome,
    options?: OutcomeErrorOptions,
  ) {
    super('Request refused', options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutcomeError';
    this.headers = options?.headers ?? {};
  }

  get status(): number {
    return statusOf(this.kind);
  }

  /** The outcome's texts, for the audit record of a refusal. */
  get text(): string {
    return this.outcome.issue.map((issue) => issue.details?.text ?? issue.code).join(' ');
  }
}
