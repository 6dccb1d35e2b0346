import type { NotificationJob } from './notification-entry';

/** Where the relay puts notification jobs: one lane per subscriber, in order; a job already held is not added again. */
export interface NotificationQueue {
  enqueue(jobs: readonly NotificationJob[]): Promise<void>;
  /** Whether the job carrier answers (always, in process). */
  ready(): boolean;
  close(): Promise<void>;
}

/** Jobs remembered after completion, so that a sweep that read the journal just before the mark adds nothing. */
export const KEEP_COMPLETED = 10_000;
