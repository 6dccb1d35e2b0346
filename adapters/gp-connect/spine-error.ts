import { z } from 'zod';
import type { SourceIssue } from '../../core/source-contract';
import { failureForStatus } from '../http/source-http-client';
import { UpstreamFailure } from '../upstream-failure';

/** The Spine code system GP Connect names its errors in; its own examples also use the ValueSet URL. */
export const SPINE_ERROR_SYSTEMS = [
  'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1',
  'https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1',
] as const;

/** The statuses at which GP Connect answers with an OperationOutcome worth reading. */
export const GPC_ERROR_STATUSES = [400, 403, 404, 409, 422, 500, 501, 502, 503, 504] as const;

const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(
    z.looseObject({
      details: z
        .looseObject({
          coding: z
            .array(z.looseObject({ system: z.string().optional(), code: z.string().optional() }))
            .optional(),
        })
        .optional(),
    }),
  ),
});

interface SpineMapping {
  readonly status: 'rejected' | 'error';
  readonly code: SourceIssue['code'];
  readonly reason: string;
  readonly text: string;
}

/** What each Spine error code means for the view. PATIENT_NOT_FOUND and NO_RECORD_FOUND are not errors: no match. */
const SPINE_CODES: Readonly<Record<string, SpineMapping>> = {
  NO_PATIENT_CONSENT: {
    status: 'rejected',
    code: 'forbidden',
    reason: 'no-patient-consent',
    text: 'holds the patient’s dissent from sharing their GP record',
  },
  ACCESS_DENIED: {
    status: 'rejected',
    code: 'forbidden',
    reason: 'access-denied',
    text: 'denied the broker access to the record',
  },
  NO_RELATIONSHIP: {
    status: 'rejected',
    code: 'forbidden',
    reason: 'no-relationship',
    text: 'found no legitimate relationship for this request',
  },
  INVALID_NHS_NUMBER: {
    status: 'rejected',
    code: 'value',
    reason: 'invalid-nhs-number',
    text: 'rejected the NHS number as invalid',
  },
  INVALID_IDENTIFIER_SYSTEM: {
    status: 'rejected',
    code: 'value',
    reason: 'invalid-identifier',
    text: 'rejected the patient identifier system',
  },
  INVALID_IDENTIFIER_VALUE: {
    status: 'rejected',
    code: 'value',
    reason: 'invalid-identifier',
    text: 'rejected the patient identifier',
  },
  INVALID_PATIENT_DEMOGRAPHICS: {
    status: 'rejected',
    code: 'business-rule',
    reason: 'invalid-patient-demographics',
    text: 'could not confirm the patient’s demographics',
  },
  BAD_REQUEST: {
    status: 'rejected',
    code: 'processing',
    reason: 'bad-request',
    text: 'rejected the broker’s request as malformed',
  },
  INVALID_RESOURCE: {
    status: 'rejected',
    code: 'processing',
    reason: 'invalid-resource',
    text: 'rejected the broker’s request parameters as invalid',
  },
  INVALID_PARAMETER: {
    status: 'rejected',
    code: 'processing',
    reason: 'invalid-parameter',
    text: 'rejected a parameter of the broker’s request',
  },
  REFERENCE_NOT_FOUND: {
    status: 'rejected',
    code: 'processing',
    reason: 'reference-not-found',
    text: 'could not resolve a reference in the broker’s request',
  },
  ORGANISATION_NOT_FOUND: {
    status: 'rejected',
    code: 'not-found',
    reason: 'organisation-not-found',
    text: 'does not know the organisation the request names',
  },
  PRACTITIONER_NOT_FOUND: {
    status: 'rejected',
    code: 'not-found',
    reason: 'practitioner-not-found',
    text: 'does not know the practitioner the request names',
  },
  DUPLICATE_REJECTED: {
    status: 'rejected',
    code: 'duplicate',
    reason: 'duplicate-rejected',
    text: 'rejected the request as a duplicate',
  },
  INTERNAL_SERVER_ERROR: {
    status: 'error',
    code: 'exception',
    reason: 'internal-server-error',
    text: 'failed with an internal error',
  },
  NOT_IMPLEMENTED: {
    status: 'error',
    code: 'not-supported',
    reason: 'not-implemented',
    text: 'does not implement the structured record operation',
  },
};

const NO_MATCH_CODES = ['PATIENT_NOT_FOUND', 'NO_RECORD_FOUND'];

/** The Spine error code of a GP Connect OperationOutcome, if the body is one. */
export function spineErrorCode(body: unknown): string | undefined {
  const parsed = operationOutcomeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  for (const issue of parsed.data.issue)
    for (const coding of issue.details?.coding ?? [])
      if ((SPINE_ERROR_SYSTEMS as readonly string[]).includes(coding.system ?? '') && coding.code)
        return coding.code;
  return undefined;
}

/**
 * What a non-200 answer means: no match, or the failure to report. A body that carries no Spine code is
 * classified by its HTTP status alone, as the shared client does for every other source.
 */
export function classifyGpcError(status: number, body: unknown): 'no-match' | UpstreamFailure {
  const code = spineErrorCode(body);
  if (code === undefined) return failureForStatus(status, true)!;
  if (NO_MATCH_CODES.includes(code)) return 'no-match';
  const known = SPINE_CODES[code];
  if (known) {
    const { status: outcome, ...issue } = known;
    return new UpstreamFailure(outcome, { severity: 'error', ...issue });
  }
  const named = /^[A-Z_]{1,40}$/.test(code) ? ` (${code})` : '';
  return new UpstreamFailure('error', {
    severity: 'error',
    code: 'exception',
    reason: 'spine-error',
    text: `answered with a GP Connect error the broker does not know${named} (HTTP ${status})`,
  });
}
