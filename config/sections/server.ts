import { z } from 'zod';
import { positiveMs } from './common';

/** How the HTTP server listens, what it accepts and how much it takes on at once. */
export const serverSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  /** The FHIR base URL clients see, when behind a proxy, e.g. https://hie.example.nhs.uk/fhir. */
  publicBaseUrl: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** How long a draining server waits for in-flight views before closing. */
  shutdownGraceMs: positiveMs,
  /** Largest request head (request line and headers) accepted; larger ones get 431 (Node's maxHeaderSize). */
  maxHeaderBytes: z.number().int().min(4096).max(65536).default(16384),
  /** Largest request body accepted; only the token endpoint reads one. Larger ones get 413 unread. */
  maxBodyBytes: z.number().int().min(1024).max(1_048_576).default(16384),
  /** Time allowed to receive a request's headers (slow-header clients get 408). */
  headersTimeoutMs: positiveMs.default(10_000),
  /** Time allowed to receive a whole request, headers and body; not the time to answer it. */
  requestTimeoutMs: positiveMs.default(30_000),
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout. */
  keepAliveTimeoutMs: positiveMs.default(65_000),
  /**
   * Which X-Forwarded-* hops to believe (express's trust proxy): false (none, the default), a
   * number of proxies in front of the broker, or their addresses / subnets.
   */
  trustProxy: z
    .union([z.literal(false), z.number().int().min(1).max(10), z.array(z.string().min(1)).min(1)])
    .default(false),
  /** Browser origins allowed to call the API (CORS, GET only); none by default. */
  corsOrigins: z
    .array(
      z
        .url({ protocol: /^https?$/ })
        .transform((url) => url.replace(/\/+$/, ''))
        .refine((url) => new URL(url).origin === url, 'must be an origin: scheme, host and port only'),
    )
    .default([]),
  /**
   * Admission control per process: patient-data requests worked on at once, and waiting for a turn;
   * past both, 503 with Retry-After before any source is asked. Keep maxConcurrent at or under the
   * sources' bulkheads (resilience.bulkhead.maxConcurrent) so that an admitted view gets every source.
   */
  admission: z
    .strictObject({
      maxConcurrent: z.number().int().min(1).max(10_000).default(64),
      maxQueued: z.number().int().min(0).max(10_000).default(64),
      /** A request whose turn comes after waiting this long is refused (503) rather than started late. */
      maxQueueWaitMs: positiveMs.default(1000),
      retryAfterSeconds: z.number().int().min(1).max(600).default(2),
    })
    .default({ maxConcurrent: 64, maxQueued: 64, maxQueueWaitMs: 1000, retryAfterSeconds: 2 }),
});
