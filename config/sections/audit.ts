import { z } from 'zod';
import { positiveMs, secretRef } from './common';

/** Where an external sink is and how long the broker waits for it. */
const sinkSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  /** Sent as `Authorization: Bearer …` when set. */
  token: secretRef.optional(),
  timeoutMs: positiveMs.default(10_000),
});

export const auditSchema = z.strictObject({
  /**
   * The system of record for audit, alerts and the objection register: PostgreSQL, or (the embedded
   * default) an append-only, fsynced file in a directory. Either way every entry is hash-chained.
   */
  store: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('file'), directory: z.string().min(1) }),
    z.strictObject({
      kind: z.literal('postgres'),
      /** postgres://user@host:port/database; a password belongs in PGPASSWORD, not here. */
      url: z.url({ protocol: /^postgres(ql)?$/ }),
      /** The schema holding the broker's tables (created by the migrations). */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .default('hie_audit'),
      poolSize: z.number().int().min(1).max(100).default(10),
    }),
  ]),
  /**
   * Refusals before any view (rate limits, malformed requests): a requester's first of each status
   * in this window is recorded in full, the rest of the window as one AuditEvent with their count.
   */
  refusalWindowSeconds: z.number().int().min(1).max(3600).default(60),
  /** Where committed audit events and privacy-officer alerts are relayed (an outbox); none by default. */
  sinks: z
    .strictObject({
      /** A FHIR server: each AuditEvent is PUT as AuditEvent/{id} (idempotent by id). */
      fhir: sinkSchema.optional(),
      /** A SIEM webhook: each AuditEvent is POSTed as JSON with an Idempotency-Key header. */
      siem: sinkSchema.optional(),
      /** The privacy officers' webhook: each alert is POSTed with an Idempotency-Key header. */
      alerts: sinkSchema.optional(),
    })
    .default({}),
  delivery: z
    .strictObject({
      /** Attempts per event and sink before it waits for the next relay sweep. */
      attempts: z.number().int().min(1).max(100).default(8),
      /** First retry delay; doubled each time. */
      backoffMs: positiveMs.default(1000),
      /** How often the outbox is swept for events not yet delivered. */
      relayIntervalMs: positiveMs.default(2000),
    })
    .default({ attempts: 8, backoffMs: 1000, relayIntervalMs: 2000 }),
});

export type AuditConfig = z.infer<typeof auditSchema>;
