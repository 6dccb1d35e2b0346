import type { SourceIssue } from '../core/source-contract';

/**
 * An upstream failure inside an adapter. Adapters throw it internally and turn it into a
 * SourceOutcome at their edge, so `fetch` itself never rejects.
 */
export class UpstreamFailure extends Error {
  constructor(
    readonly status: 'timeout' | 'error' | 'rejected',
    readonly issue: SourceIssue,
    options?: { cause?: unknown },
  ) {
    super('Upstream failure', options);
    this.name = 'UpstreamFailure';
  }
}

export function upstreamError(
  reason: string,
  text: string,
  code: SourceIssue['code'] = 'exception',
): UpstreamFailure {
  return new UpstreamFailure('error', { severity: 'error', code, reason, text });
}

/** A fault of the adapter itself (a bug, not the source): reported as the source's error, and recorded. */
export function adapterFault(error: unknown): UpstreamFailure {
  return new UpstreamFailure(
    'error',
    {
      severity: 'error',
      code: 'exception',
      reason: 'adapter-fault',
      text: 'could not be read because of a fault in its adapter',
    },
    { cause: error },
  );
}

/**
 * The one person a source answered with, or null when it knows nobody by that NHS number. Answers
 * about other people only, or about several people with the number, are upstream errors: the
 * broker never guesses whose record it is holding.
 */
export function matchingPatient<T>(
  candidates: readonly T[],
  carriesNhsNumber: (candidate: T) => boolean,
): T | null {
  if (candidates.length === 0) return null;
  const matching = candidates.filter(carriesNhsNumber);
  if (matching.length === 0) {
    throw upstreamError(
      'patient-mismatch',
      'answered the NHS number search with a patient who does not carry that NHS number',
      'business-rule',
    );
  }
  if (matching.length > 1) {
    throw upstreamError(
      'ambiguous-patient',
      'holds more than one patient with this NHS number',
      'multiple-matches',
    );
  }
  return matching[0]!;
}
