import type { SourceIssue } from './contract';

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
