import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SourceIssue } from '../../../core/source-contract';
import { SOURCE_ISSUE_SYSTEM } from '../../../core/fhir/systems';

/** Reason codes (SOURCE_ISSUE_SYSTEM) of what the sensitive-data policy reports. */
export const SENSITIVE_WITHHELD = 'sensitive-withheld';
export const RESTRICTED_PATIENT = 'restricted-patient';

/** A source's note that items it sent were withheld as sensitive: how many, never which or why. */
export function sensitiveWithheldIssue(count: number): SourceIssue {
  const plural = count !== 1;
  return {
    severity: 'information',
    code: 'suppressed',
    reason: SENSITIVE_WITHHELD,
    text: `had ${count} item${plural ? 's' : ''} withheld as sensitive information; ${plural ? 'they are' : 'it is'} not in this view`,
  };
}

/** The view's note that a restricted patient's contact details and registered practice are not shown. */
export function restrictedPatientIssue(): OperationOutcomeIssue {
  return {
    severity: 'information',
    code: 'suppressed',
    details: {
      coding: [{ system: SOURCE_ISSUE_SYSTEM, code: RESTRICTED_PATIENT }],
      text: "This patient's record is restricted: their address, telephone numbers, contacts and registered GP practice are not shown.",
    },
  };
}
