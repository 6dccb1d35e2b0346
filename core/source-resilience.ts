import { z } from 'zod';

const positiveMs = z.number().int().positive();

/**
 * How the broker guards its calls to one source (broker/federation and the source's HTTP client).
 * Every part has defaults, so a source needs to say only what it changes.
 */
export const resilienceSchema = z.strictObject({
  /**
   * After this run of failed calls (timeouts and errors; not no-match, not a 4xx refusal) the source
   * is skipped (`circuit-open`) until one probe call, made by a real view at least `halfOpenAfterMs`
   * later, succeeds.
   */
  circuitBreaker: z
    .strictObject({
      consecutiveFailures: z.number().int().min(1).max(1000).default(5),
      /**
       * Instead of a run: open when at least this share of the last `window` calls failed (once
       * `minimumCalls` were made), for a source that fails often but not every time.
       */
      failureRatio: z
        .strictObject({
          threshold: z.number().gt(0).max(1),
          window: z.number().int().min(2).max(1000).default(20),
          minimumCalls: z.number().int().min(1).max(1000).default(10),
        })
        .optional(),
      halfOpenAfterMs: positiveMs.max(3_600_000).default(10_000),
    })
    .prefault({}),
  /**
   * At most `maxConcurrent` views call the source at once and `maxQueued` wait for a turn; past that
   * the source is skipped (`busy`) for the view, so a slow source cannot hold the broker's memory.
   */
  bulkhead: z
    .strictObject({
      maxConcurrent: z.number().int().min(1).max(10_000).default(64),
      maxQueued: z.number().int().min(0).max(10_000).default(16),
    })
    .prefault({}),
  /**
   * A request refused or reset at the connection, or answered 429, is sent again (after Retry-After
   * when it fits in the source's time), at most `maxAttempts` times in all; never after a timeout.
   * Retries are budgeted: at most `budgetRatio` extra requests per request over a sliding window.
   */
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(5).default(2),
      budgetRatio: z.number().min(0).max(1).default(0.1),
    })
    .prefault({}),
  /**
   * With `replicas`: when the source has not answered within its recent p95 latency (kept between
   * `minDelayMs` and `maxDelayMs`), the same read is sent to a replica; the first answer wins and the
   * other call is aborted. Hedges are budgeted like retries (`budgetRatio`).
   */
  hedging: z
    .strictObject({
      enabled: z.boolean().default(false),
      minDelayMs: positiveMs.default(50),
      maxDelayMs: positiveMs.default(1000),
      budgetRatio: z.number().min(0).max(1).default(0.1),
    })
    .refine((h) => h.minDelayMs <= h.maxDelayMs, {
      message: 'minDelayMs must not exceed maxDelayMs',
      path: ['minDelayMs'],
    })
    .prefault({}),
});

export type SourceResilience = z.infer<typeof resilienceSchema>;
