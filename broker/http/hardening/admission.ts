import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import type { NextFunction, Request, Response } from 'express';
import { OutcomeError, operationOutcome } from '../../../core/outcome-error';

export interface AdmissionLimits {
  /** Patient-data requests this process works on at once. */
  readonly maxConcurrent: number;
  /** Requests waiting for a turn; past that, 503 at once. */
  readonly maxQueued: number;
  /** A request whose turn comes after waiting longer than this is refused then (503), not started late. */
  readonly maxQueueWaitMs: number;
  /** Seconds a refused caller is told to wait (Retry-After). */
  readonly retryAfterSeconds: number;
}

export interface AdmissionObserver {
  /** Told of each request refused because the process is full. */
  rejected(): void;
  /** Told of the requests in work and waiting whenever either changes. */
  occupancy(inWork: number, waiting: number): void;
}

const BUSY =
  'The broker is busy with other requests just now and has not started on this one. Try again in a moment.';

/**
 * Admission control for patient-data requests (cockatiel's bulkhead): at most `maxConcurrent` are
 * worked on at once and `maxQueued` wait for a turn; past that a request is refused at once with 503
 * and Retry-After, before any source is asked and before anything is audited; so is one whose turn
comes after it has waited `maxQueueWaitMs`. Under more load than
 * the process can serve, the views it admits keep their latency and every source's data (instead of
 * all of them slowing down, running into the deadline and the sources' own bulkheads), and memory
 * stays bounded. A request holds its turn until its response is finished or its client has gone;
 * one whose client left while it waited gives its turn back without starting.
 */
export function admission(
  limits: AdmissionLimits,
  observer: AdmissionObserver,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const policy: BulkheadPolicy = bulkhead(limits.maxConcurrent, limits.maxQueued);
  const report = (): void =>
    observer.occupancy(limits.maxConcurrent - policy.executionSlots, limits.maxQueued - policy.queueSlots);
  const busy = (): OutcomeError =>
    new OutcomeError('unavailable', operationOutcome('error', 'transient', BUSY), {
      headers: { 'Retry-After': String(limits.retryAfterSeconds) },
    });
  return async (req, res, next) => {
    let admitted = false;
    let tooLate = false;
    const arrived = performance.now();
    const turn = policy.execute(
      () =>
        new Promise<void>((release) => {
          admitted = true;
          if (res.writableEnded || res.destroyed || req.destroyed) return release();
          // Started now, it would answer long after the caller began waiting: refused instead.
          if (performance.now() - arrived > limits.maxQueueWaitMs) {
            tooLate = true;
            return release();
          }
          res.once('close', () => release());
          next();
        }),
    );
    report();
    try {
      await turn;
    } catch (error) {
      if (!(error instanceof BulkheadRejectedError) || admitted) throw error;
      observer.rejected();
      throw busy();
    } finally {
      report();
    }
    if (tooLate) {
      observer.rejected();
      throw busy();
    }
  };
}
