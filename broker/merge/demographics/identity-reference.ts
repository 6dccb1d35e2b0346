import type { Coding, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import { SOURCE_ISSUE_SYSTEM } from '../../../core/fhir/systems';

/**
 * What the national demographics service (PDS) said about the patient, when one is configured:
 * `confirmed` makes its Patient the reference every source's demographics are checked against, its
 * S-flag binding and its registered GP evidence; `not-found` and `unavailable` leave the sources'
 * majority to decide, with a warning in the view.
 */
export type IdentityReference =
  | {
      readonly status: 'confirmed';
      readonly authority: string;
      readonly patient: Patient;
      /** The NHS number asked for, when PDS answered under another (current) one. */
      readonly supersededNumber?: string;
    }
  | { readonly status: 'not-found'; readonly authority: string }
  | { readonly status: 'unavailable'; readonly authority: string; readonly why: string };

export const IDENTITY_REASONS = {
  superseded: 'nhs-number-superseded',
  unconfirmed: 'identity-unconfirmed',
  deceased: 'patient-deceased',
} as const;

/** PDS's S-flag: restricted (R), very restricted (V) or redacted. */
const RESTRICTED_CODES = new Set(['R', 'V', 'REDACTED']);

export function authorityRestricts(reference: IdentityReference | undefined): boolean {
  if (reference?.status !== 'confirmed') return false;
  return (reference.patient.meta?.security ?? []).some((c: Coding) => RESTRICTED_CODES.has(c.code ?? ''));
}

function issue(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  reason: string,
  text: string,
): OperationOutcomeIssue {
  return { severity, code, details: { coding: [{ system: SOURCE_ISSUE_SYSTEM, code: reason }], text } };
}

/** The view's notes about identity: a superseded number, an unconfirmed identity, a recorded death. */
export function identityIssues(
  reference: IdentityReference | undefined,
  nhsNumber: string,
): OperationOutcomeIssue[] {
  if (!reference) return [];
  if (reference.status === 'unavailable') {
    return [
      issue(
        'warning',
        'incomplete',
        IDENTITY_REASONS.unconfirmed,
        `The ${reference.authority} could not be asked (${reference.why}): the patient's identity was checked by agreement between the sources instead.`,
      ),
    ];
  }
  if (reference.status === 'not-found') {
    return [
      issue(
        'warning',
        'not-found',
        IDENTITY_REASONS.unconfirmed,
        `The ${reference.authority} does not know this NHS number: the patient's identity was checked by agreement between the sources instead. Check the number with the patient.`,
      ),
    ];
  }
  const issues: OperationOutcomeIssue[] = [];
  if (reference.supersededNumber) {
    issues.push(
      issue(
        'warning',
        'informational',
        IDENTITY_REASONS.superseded,
        `NHS number ${reference.supersededNumber} has been superseded by ${nhsNumber}: this is the record under the current number. Update your system's record of this patient.`,
      ),
    );
  }
  const died = reference.patient.deceasedDateTime;
  if (died) {
    issues.push(
      issue(
        'information',
        'informational',
        IDENTITY_REASONS.deceased,
        `The ${reference.authority} records that this patient died on ${died.slice(0, 10)}.`,
      ),
    );
  }
  return issues;
}
