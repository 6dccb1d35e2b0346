import type { AuditConfig } from '../../config/schema';

/** How a delivery job is retried and how long a finished one is remembered; the same for BullMQ and in-process. */
export interface RetryPolicy {
  /** Attempts per job; after the last one the job is removed and the next sweep enqueues the entry again. */
  readonly attempts: number;
  /** First retry delay; doubled each time. */
  readonly backoffMs: number;
  /** Each delay is drawn from its upper (1 - jitter … 1) part, so jobs that failed together do not return together. */
  readonly jitter: number;
  /** A completed job is kept this long (and at most this many), so a sweep that read the journal just before the completion was recorded adds nothing. */
  readonly keepCompletedMs: number;
  readonly keepCompletedCount: number;
}

export function retryPolicy(delivery: AuditConfig['delivery']): RetryPolicy {
  return {
    attempts: delivery.attempts,
    backoffMs: delivery.backoffMs,
    jitter: 0.2,
    keepCompletedMs: 10 * 60_000,
    keepCompletedCount: 10_000,
  };
}

/** BullMQ's exponential backoff (classes/backoffs.ts), so that both queues wait alike. */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number): number {
  const max = Math.round(2 ** (attemptsMade - 1) * policy.backoffMs);
  if (policy.jitter <= 0) return max;
  return Math.floor(Math.random() * max * policy.jitter + max * (1 - policy.jitter));
}
