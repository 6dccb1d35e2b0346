import { DelegateBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { UpstreamFailure } from '../upstream-failure';
import type { ExtraCallBudget } from './extra-call-budget';

/** The only failures worth sending a request again for: the source did not take it in, or asked us to wait. */
export const RETRY_REASONS = ['connection-refused', 'connection-reset', 'http-429'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export interface TransientRetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The source's budget for extra requests, shared by all its requests. */
  readonly budget: ExtraCallBudget;
  /**
   * Whether the request may be repeated once the source might have acted on it. A refused connection
   * or a 429 is always safe to repeat (the request was not processed); a reset only for reads.
   */
  readonly idempotent: boolean;
  /** Epoch ms when the caller's time is up: a retry must start, and have time to answer, before then. */
  readonly deadline?: number;
  readonly onRetry?: (reason: RetryReason) => void;
  readonly now?: () => number;
}

/** What a retry needs to see of an answer: its status, and any Retry-After. */
export interface ThrottleSignals {
  readonly status: number;
  readonly retryAfter?: string | undefined;
}

/** Time left for the retried request itself after its wait; less than this and it is not worth sending. */
const MIN_ATTEMPT_MS = 50;
/** When the caller's deadline is unknown, the longest wait a retry may take. */
const UNKNOWN_DEADLINE_MAX_WAIT_MS = 1000;
const CONNECTION_RETRY_BASE_MS = 20;
const THROTTLE_RETRY_BASE_MS = 100;

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function failureReason(error: unknown, idempotent: boolean): RetryReason | null {
  if (!(error instanceof UpstreamFailure) || error.status !== 'error') return null;
  if (error.issue.reason === 'unreachable') return 'connection-refused';
  if (error.issue.reason === 'connection-reset' && idempotent) return 'connection-reset';
  return null;
}

/** Exponential with jitter (half to the whole of the step), so retries from many views do not align. */
function jittered(baseMs: number, retryNumber: number): number {
  const step = baseMs * 2 ** (retryNumber - 1);
  return Math.round(step / 2 + (Math.random() * step) / 2);
}

/**
 * A cockatiel retry policy for one HTTP exchange with a source. It retries only what is safe and
 * cheap (a refused or reset connection, a 429), never a timeout or any other failure; it waits as
 * Retry-After asks when that still leaves time to answer before the deadline, and otherwise gives
 * up at once; and each retry must be granted by the source's budget. The decision is made in the
 * policy's filters (which see each failure), and the wait they chose is handed to its backoff.
 */
export function transientRetry(options: TransientRetryOptions): RetryPolicy {
  const now = options.now ?? Date.now;
  let failures = 0;
  let nextDelayMs = 0;
  const decide = (reason: RetryReason | null, delayMs: number): boolean => {
    if (!reason) return false;
    failures++;
    if (failures >= options.maxAttempts) return false;
    const remaining =
      options.deadline === undefined
        ? UNKNOWN_DEADLINE_MAX_WAIT_MS + MIN_ATTEMPT_MS
        : options.deadline - now();
    if (delayMs + MIN_ATTEMPT_MS > remaining) return false;
    if (!options.budget.tryExtra()) return false;
    nextDelayMs = delayMs;
    options.onRetry?.(reason);
    return true;
  };
  const filters = handleWhen((error) =>
    decide(failureReason(error, options.idempotent), jittered(CONNECTION_RETRY_BASE_MS, failures + 1)),
  ).orWhenResult((value) => {
    const answer = value as ThrottleSignals;
    if (answer.status !== 429) return false;
    return decide(
      'http-429',
      retryAfterMs(answer.retryAfter, now()) ?? jittered(THROTTLE_RETRY_BASE_MS, failures + 1),
    );
  });
  return retry(filters, {
    maxAttempts: Math.max(0, options.maxAttempts - 1),
    backoff: new DelegateBackoff(() => nextDelayMs),
  });
}
