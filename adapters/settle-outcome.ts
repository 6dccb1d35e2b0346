import type { SkipReason, SourceIssue, SourceOutcome, SourceRecord } from '../core/source-contract';
import { adapterFault, UpstreamFailure } from './upstream-failure';

/** What an adapter's work produces when nothing went wrong upstream. */
export type AdapterResult =
  | { readonly status: 'ok'; readonly record: SourceRecord; readonly warnings: readonly SourceIssue[] }
  | { readonly status: 'no-match' }
  | { readonly status: 'skipped'; readonly reason: SkipReason };

/**
 * Runs an adapter's work and turns whatever happens into its SourceOutcome, timed: the one place
 * that keeps the contract's promise that `fetch` resolves for every upstream failure. An abort is a
 * timeout (even if the work finished as the time ran out), an UpstreamFailure is its own status, and
 * anything else is a fault of the adapter, recorded through `onFault`.
 */
export async function settleOutcome(
  context: { sourceId: string; signal: AbortSignal; onFault: (error: unknown) => void },
  work: () => Promise<AdapterResult>,
): Promise<SourceOutcome> {
  const started = performance.now();
  const base = (): { sourceId: string; durationMs: number } => ({
    sourceId: context.sourceId,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const result = await work();
    if (context.signal.aborted) return { ...base(), status: 'timeout' };
    return { ...base(), ...result };
  } catch (error) {
    let failure: UpstreamFailure;
    if (error instanceof UpstreamFailure) failure = error;
    else {
      context.onFault(error);
      failure = adapterFault(error);
    }
    if (failure.status === 'timeout' || context.signal.aborted) return { ...base(), status: 'timeout' };
    return { ...base(), status: failure.status, issue: failure.issue };
  }
}
