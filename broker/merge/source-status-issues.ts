import type { Extension, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SkipReason, SourceDescriptor, SourceIssue, SourceOutcome } from '../../core/source-contract';
import {
  NESTED_SOURCE_EXTENSION_URL,
  ODS_CODE_SYSTEM,
  SOURCE_EXTENSION_URL,
  SOURCE_ISSUE_SYSTEM,
  SOURCE_STATUS_SYSTEM,
} from '../../core/fhir/systems';

const SKIP_TEXT: Readonly<Record<SkipReason, string>> = {
  objection: 'was not asked: the patient has objected to sharing from this source',
  'circuit-open':
    'was not asked: its recent requests failed, so it is paused and tried again automatically; try again shortly, or tell the service desk if this persists',
  busy: 'was not asked: too many views are already waiting on it; try again in a moment',
  'not-supplied': 'was not asked: it does not supply the requested resource types',
  loop: 'was not asked: the request had already passed through it',
};

function sourceExtension(source: SourceDescriptor, outcome: SourceOutcome): Extension {
  return {
    url: SOURCE_EXTENSION_URL,
    extension: [
      { url: 'id', valueString: source.id },
      { url: 'status', valueCode: outcome.status },
      { url: 'durationMs', valueInteger: outcome.durationMs },
    ],
  };
}

function sourceIssue(
  source: SourceDescriptor,
  outcome: SourceOutcome,
  issue: Pick<SourceIssue, 'severity' | 'code' | 'reason' | 'text' | 'nestedSource'>,
): OperationOutcomeIssue {
  const nested = issue.nestedSource?.extension
    ? [{ url: NESTED_SOURCE_EXTENSION_URL, extension: issue.nestedSource.extension }]
    : [];
  return {
    extension: [sourceExtension(source, outcome), ...nested],
    severity: issue.severity,
    code: issue.code,
    details: {
      coding: [
        { system: SOURCE_STATUS_SYSTEM, code: outcome.status },
        { system: SOURCE_ISSUE_SYSTEM, code: issue.reason },
        { system: ODS_CODE_SYSTEM, code: source.odsCode, display: source.name },
      ],
      text: `${source.name} (${source.odsCode}) ${issue.text}.`,
    },
  };
}

const NOT_IN_VIEW = '; its data is not in this view';

/**
 * The issues a view reports for one source: nothing for a clean `ok`, its warnings otherwise, and
 * exactly one issue for every other status, so no source is ever missing silently.
 */
export function issuesForSource(
  source: SourceDescriptor,
  outcome: SourceOutcome,
  extra: readonly SourceIssue[] = [],
): OperationOutcomeIssue[] {
  switch (outcome.status) {
    case 'ok':
      return [...outcome.warnings, ...extra].map((warning) => sourceIssue(source, outcome, warning));
    case 'no-match':
      return [
        sourceIssue(source, outcome, {
          severity: 'information',
          code: 'not-found',
          reason: 'no-match',
          text: 'holds no record for this patient',
        }),
      ];
    case 'timeout':
      return [
        sourceIssue(source, outcome, {
          severity: 'warning',
          code: 'timeout',
          reason: 'timeout',
          text: `did not answer within ${outcome.durationMs} ms${NOT_IN_VIEW}`,
        }),
      ];
    case 'error':
    case 'rejected':
      return [
        sourceIssue(source, outcome, {
          ...outcome.issue,
          severity: 'warning',
          text: `${outcome.issue.text}${NOT_IN_VIEW}`,
        }),
      ];
    case 'skipped':
      return [
        sourceIssue(source, outcome, {
          severity: 'information',
          code: 'informational',
          reason: outcome.reason,
          text: SKIP_TEXT[outcome.reason],
        }),
      ];
  }
}

/** The view's closing OperationOutcome: a summary line, then every source's issues in source order. */
export function sourceStatusOutcome(
  id: string,
  sources: readonly SourceDescriptor[],
  outcomes: readonly SourceOutcome[],
  extraIssues: ReadonlyMap<string, readonly SourceIssue[]>,
): OperationOutcome {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  const issues: OperationOutcomeIssue[] = [
    {
      severity: 'information',
      code: 'informational',
      details: {
        text: `${outcomes.length} source${outcomes.length === 1 ? '' : 's'} consulted: ${summary}.`,
      },
    },
  ];
  outcomes.forEach((outcome, index) => {
    issues.push(...issuesForSource(sources[index]!, outcome, extraIssues.get(outcome.sourceId)));
  });
  return { resourceType: 'OperationOutcome', id, issue: issues };
}
