import type { OperationOutcome } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import { issueReason, issuesBySource } from './outcome-issues';
import type { RecordSourceStatus, SourceStatusNote } from './record-types';

/**
 * The status of every source the view tried, in configured order: its outcome's status and time, and
 * the issues the view's OperationOutcome reports for it (the first is the main one).
 */
export function sourceStatuses(input: {
  sources: readonly SourceDescriptor[];
  outcomes: readonly SourceOutcome[];
  outcome: OperationOutcome;
}): RecordSourceStatus[] {
  const issues = issuesBySource(input.outcome);
  const byId = new Map(input.sources.map((s) => [s.id, s]));
  return input.outcomes.map((outcome) => {
    const source = byId.get(outcome.sourceId);
    const notes: SourceStatusNote[] = (issues.get(outcome.sourceId) ?? []).map((issue) => {
      const reason = issueReason(issue);
      return {
        severity: issue.severity,
        ...(reason ? { reason } : {}),
        text: issue.details?.text ?? '',
      };
    });
    const main = notes[0];
    return {
      id: outcome.sourceId,
      name: source?.name ?? outcome.sourceId,
      odsCode: source?.odsCode ?? '',
      status: outcome.status,
      ...(main?.reason ? { reason: main.reason } : {}),
      ...(main?.text ? { text: main.text } : {}),
      durationMs: outcome.durationMs,
      issues: notes,
    };
  });
}
