/** GP Connect errors as the specification writes them: STU3 OperationOutcomes with a Spine error code. */
export const SPINE_ERROR_CODE_SYSTEM = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';
const OPERATION_OUTCOME_PROFILE = 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1';

/** The Spine codes the simulated provider answers with, their HTTP status, issue type and display. */
export const SPINE_ERRORS = {
  BAD_REQUEST: { status: 400, issue: 'invalid', display: 'Submitted request is malformed / invalid.' },
  INVALID_NHS_NUMBER: { status: 400, issue: 'value', display: 'Invalid NHS number' },
  INVALID_IDENTIFIER_SYSTEM: { status: 400, issue: 'value', display: 'Invalid identifier system' },
  NO_PATIENT_CONSENT: { status: 403, issue: 'forbidden', display: 'No patient consent to share' },
  PATIENT_NOT_FOUND: { status: 404, issue: 'not-found', display: 'Patient not found' },
  DUPLICATE_REJECTED: { status: 409, issue: 'duplicate', display: 'Duplicate rejected' },
  INVALID_RESOURCE: { status: 422, issue: 'invalid', display: 'Invalid validation of resource' },
  INVALID_PARAMETER: { status: 422, issue: 'invalid', display: 'Invalid parameter' },
  INTERNAL_SERVER_ERROR: { status: 500, issue: 'exception', display: 'Internal server error' },
  NOT_IMPLEMENTED: { status: 501, issue: 'not-supported', display: 'Not implemented' },
} as const;
export type SpineErrorCode = keyof typeof SPINE_ERRORS;

export interface GpcError {
  readonly status: number;
  readonly body: unknown;
}

/** A GP Connect error answer with its Spine code; `diagnostics` names the problem (never a patient detail). */
export function spineError(code: SpineErrorCode, diagnostics?: string): GpcError {
  const spec = SPINE_ERRORS[code];
  return {
    status: spec.status,
    body: {
      resourceType: 'OperationOutcome',
      meta: { profile: [OPERATION_OUTCOME_PROFILE] },
      issue: [
        {
          severity: 'error',
          code: spec.issue,
          details: { coding: [{ system: SPINE_ERROR_CODE_SYSTEM, code, display: spec.display }] },
          ...(diagnostics ? { diagnostics } : {}),
        },
      ],
    },
  };
}

/** What the Spine Security Proxy answers when it refuses or fails: an OperationOutcome without a Spine code. */
export function plainOutcome(status: number, diagnostics: string): GpcError {
  const code =
    status === 401 ? 'login' : status === 403 ? 'forbidden' : status >= 500 ? 'transient' : 'invalid';
  return {
    status,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] },
  };
}

/** The body of a simulated status fault: the Spine code that status carries where there is one. */
export function faultBody(status: number): unknown {
  const code = (Object.keys(SPINE_ERRORS) as SpineErrorCode[]).find(
    (candidate) =>
      SPINE_ERRORS[candidate].status === status &&
      [
        'BAD_REQUEST',
        'DUPLICATE_REJECTED',
        'INVALID_RESOURCE',
        'INTERNAL_SERVER_ERROR',
        'NOT_IMPLEMENTED',
      ].includes(candidate),
  );
  return code ? spineError(code, 'Simulated failure').body : plainOutcome(status, 'Simulated failure').body;
}
