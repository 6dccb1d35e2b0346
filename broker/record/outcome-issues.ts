import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SOURCE_EXTENSION_URL, SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';

/** The source an issue of the view's closing OperationOutcome is about, from its source extension. */
export function issueSourceId(issue: OperationOutcomeIssue): string | undefined {
  return issue.extension
    ?.find((ext) => ext.url === SOURCE_EXTENSION_URL)
    ?.extension?.find((e) => e.url === 'id')?.valueString;
}

/** The broker's reason code for an issue, e.g. `timeout`, `http-500`, `demographic-mismatch`. */
export function issueReason(issue: OperationOutcomeIssue): string | undefined {
  return issue.details?.coding?.find((c) => c.system === SOURCE_ISSUE_SYSTEM)?.code;
}

/** Every issue of the view's outcome, grouped by the source it is about. */
export function issuesBySource(outcome: OperationOutcome): Map<string, OperationOutcomeIssue[]> {
  const bySource = new Map<string, OperationOutcomeIssue[]>();
  for (const issue of outcome.issue ?? []) {
    const sourceId = issueSourceId(issue);
    if (!sourceId) continue;
    bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), issue]);
  }
  return bySource;
}
