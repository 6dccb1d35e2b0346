import { z } from 'zod';
import { RECORD_RESOURCE_TYPES } from '../broker/fhir/resource-types';

const kebabId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters, digits and single hyphens')
  .max(32, 'must be at most 32 characters');

const positiveMs = z.number().int().positive();

/** A secret is never written inline: it is read from a file or an environment variable. */
const secretRef = z
  .strictObject({
    file: z.string().min(1).optional(),
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
  })
  .refine((ref) => Boolean(ref.file) !== Boolean(ref.env), 'give exactly one of file or env');

/** SMART Backend Services: OAuth2 client credentials with a private_key_jwt assertion signed by the broker's key. */
export const smartBackendAuthSchema = z.strictObject({
  type: z.literal('smart-backend-services'),
  tokenUrl: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1),
  scope: z.string().min(1).default('system/*.read'),
});

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

const sourceCommon = {
  /** Stable, short: it prefixes the ids of every resource from this source. */
  id: kebabId,
  name: z.string().min(1),
  odsCode: z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code: 3 to 10 upper-case letters or digits'),
  baseUrl: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  supplies: z.array(z.enum(RECORD_RESOURCE_TYPES)).min(1),
  /** Per-source time limit; the view's overall deadline still applies. */
  timeoutMs: positiveMs.optional(),
  /** How many `next` links of one search are followed. */
  maxPages: z.number().int().min(1).max(100).default(10),
  /** Bodies over this size are refused, not parsed. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** Concurrent sockets to this source. */
  maxSockets: z.number().int().min(1).max(512).default(32),
  /** Page size requested with `_count`. */
  pageSize: z.number().int().min(1).max(1000).default(100),
  /** Other base URLs serving the same data (the same system's replicas), for hedged reads. */
  replicas: z
    .array(z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')))
    .max(8)
    .default([]),
  resilience: resilienceSchema.prefault({}),
};

/** Checks across one source's settings. */
function checkSource(
  source: { replicas: readonly string[]; resilience: SourceResilience },
  ctx: z.RefinementCtx,
): void {
  if (source.resilience.hedging.enabled && source.replicas.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['resilience', 'hedging', 'enabled'],
      message: 'hedging needs at least one entry in replicas',
    });
  }
}

/** How a FHIR R4 source's record is searched: one request per resource type, or one batch of them. */
export const FHIR_SEARCH_BY = ['type', 'batch'] as const;
export type FhirSearchBy = (typeof FHIR_SEARCH_BY)[number];

const fhirR4Source = z
  .strictObject({
    ...sourceCommon,
    kind: z.literal('fhir-r4'),
    /** Without it the source is called unauthenticated (a source inside a trusted network). */
    auth: smartBackendAuthSchema.optional(),
    /**
     * `type`: one search request per resource type. `batch`: every type's first page in one FHIR batch
     * (POST to the base), later pages one by one; for sources that support batch. A source that answers
     * the batch 404, 405 or 501 is searched type by type instead, with a warning in the view.
     */
    searchBy: z.enum(FHIR_SEARCH_BY).default('type'),
  })
  .superRefine(checkSource);

const gpConnectSource = z
  .strictObject({
    ...sourceCommon,
    kind: z.literal('gp-connect'),
    gpConnect: z.strictObject({
      /** The broker's ASID (Ssp-From) and the practice system's (Ssp-To), as issued by Spine. */
      fromAsid: z.string().regex(/^\d{1,12}$/, 'must be an ASID: up to 12 digits'),
      toAsid: z.string().regex(/^\d{1,12}$/, 'must be an ASID: up to 12 digits'),
      includeResolvedAllergies: z.boolean().default(true),
      /** Medications from this many months back; omitted, all of them. */
      medicationMonths: z.number().int().min(1).max(600).optional(),
      includeConsultations: z.boolean().default(true),
      includeImmunisations: z.boolean().default(true),
      includeInvestigations: z.boolean().default(true),
      includeReferrals: z.boolean().default(true),
      includeUncategorisedData: z.boolean().default(true),
    }),
  })
  .superRefine(checkSource);

const ambulanceEpcrSource = z
  .strictObject({
    ...sourceCommon,
    kind: z.literal('ambulance-epcr'),
    /** The ePCR API's key, sent as X-API-Key. */
    apiKey: secretRef.optional(),
  })
  .superRefine(checkSource);

const brokerSource = z
  .strictObject({
    ...sourceCommon,
    kind: z.literal('broker'),
    auth: smartBackendAuthSchema,
  })
  .superRefine(checkSource);

/** Asymmetric signature algorithms only: never `none`, never HS* (a public key is no secret). */
export const USER_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const issuerSchema = z
  .strictObject({
    issuer: z.string().min(1),
    /** Where the issuer's public keys are (fetched, cached, refetched at most once per cooldown)... */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** ...or a file holding them (a JWKS document). */
    jwksFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(USER_TOKEN_ALGORITHMS)).min(1),
    audience: z.string().min(1),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** The token's `typ` header, when the issuer sets one (e.g. JWT or at+jwt). */
    typ: z.string().min(1).optional(),
    /** Which claims carry what; dotted paths reach into objects. */
    claims: z
      .strictObject({
        userId: z.string().min(1).default('sub'),
        name: z.string().min(1).default('name'),
        role: z.string().min(1).default('role'),
        organisation: z.string().min(1).default('org'),
        purpose: z.string().min(1).default('purpose_of_use'),
      })
      .default({ userId: 'sub', name: 'name', role: 'role', organisation: 'org', purpose: 'purpose_of_use' }),
  })
  .refine((i) => Boolean(i.jwksUrl) !== Boolean(i.jwksFile), 'give exactly one of jwksUrl or jwksFile');

/** So many requests (points) per window of so many seconds. */
const rateRuleSchema = z.strictObject({
  points: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(1).max(86_400),
});

/**
 * Governance duties a role may hold, apart from seeing records: reading the audit trail, working
 * privacy-officer alerts, managing the objection register, reading the usage report.
 */
export const GOVERNANCE_DUTIES = ['audit-read', 'alerts', 'consent-manage', 'usage-read'] as const;
export type GovernanceDuty = (typeof GOVERNANCE_DUTIES)[number];

const roleSchema = z.strictObject({
  name: z.string().min(1),
  /** The record types this role may see: every one, a list, or none (a governance-only role). */
  types: z.union([z.literal('all'), z.literal('none'), z.array(z.enum(RECORD_RESOURCE_TYPES)).min(1)]),
  duties: z.array(z.enum(GOVERNANCE_DUTIES)).default([]),
});

/** Where an external sink is and how long the broker waits for it. */
const sinkSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  /** Sent as `Authorization: Bearer …` when set. */
  token: secretRef.optional(),
  timeoutMs: positiveMs.default(10_000),
});

const auditSchema = z.strictObject({
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

/** SNOMED CT concepts whose records are withheld from the shared view, in named sets. */
const sensitiveCodeSetSchema = z.strictObject({
  name: z.string().min(1),
  system: z.string().min(1).default('http://snomed.info/sct'),
  codes: z.array(z.string().regex(/^[0-9A-Za-z.-]{1,64}$/)).min(1),
});

const sensitiveDataSchema = z.strictObject({
  /** v3-Confidentiality codes in meta.security that withhold a resource (a Patient is never withheld: see restricted). */
  withheldConfidentiality: z.array(z.enum(['U', 'L', 'M', 'N', 'R', 'V'])).default(['R', 'V']),
  /** Coded resources whose codes fall in any of these sets are withheld. */
  codeSets: z.array(sensitiveCodeSetSchema).default([]),
});

export const sourceSchema = z.discriminatedUnion('kind', [
  fhirR4Source,
  gpConnectSource,
  ambulanceEpcrSource,
  brokerSource,
]);

export const configSchema = z
  .strictObject({
    server: z.strictObject({
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
    }),
    broker: z.strictObject({
      /** This broker's identity towards peers and in provenance. */
      id: kebabId,
      name: z.string().min(1),
      odsCode: z
        .string()
        .regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code: 3 to 10 upper-case letters or digits'),
      /**
       * The broker's private signing key (PEM, PKCS#8 or SEC1; EC P-384 or RSA), for client assertions
       * to sources and peers and for forwarding a requester's identity; its public half is served at
       * /.well-known/jwks.json. Without one the broker makes an ephemeral key at start: fine for a
       * demo, not for production (sources would have to re-read the JWKS after every restart).
       */
      signingKey: secretRef.optional(),
      /** Brokers a request may pass through before it stops fanning out. */
      hopLimit: z.number().int().min(1).max(10).default(3),
    }),
    federation: z.strictObject({
      /** The whole view answers within this, whatever the sources do. */
      deadlineMs: positiveMs,
      /** Default per-source time limit. */
      sourceTimeoutMs: positiveMs,
      /**
       * Of the deadline, what is kept for assembling the answer once the sources are cut off (merge,
       * audit commit, serialising): sources get at most `deadlineMs - assemblyReserveMs`, so that a
       * view with a hung source still answers within the deadline.
       */
      assemblyReserveMs: z.number().int().min(0).max(1000).default(50),
      /** How long the `next` links of a `_count`-paged result stay valid (the result is held in memory meanwhile). */
      pageTtlMs: positiveMs.max(3_600_000).default(120_000),
    }),
    sources: z.array(sourceSchema).min(1, 'at least one source must be configured'),
    /**
     * Neighbouring brokers allowed to query this one as systems: each authenticates with SMART
     * Backend Services against /auth/token using the keys at its JWKS URL, and forwards its user's
     * identity in an assertion signed with the same keys.
     */
    peers: z
      .array(
        z.strictObject({
          clientId: kebabId,
          name: z.string().min(1),
          jwksUrl: z.url({ protocol: /^https?$/ }),
        }),
      )
      .default([]),
    auth: z
      .strictObject({
        /** Identity providers whose user tokens the broker accepts (CIS2-style, or a clinical system's own). */
        issuers: z.array(issuerSchema).default([]),
        /** National RBAC role codes and what each may see; a role not listed here sees nothing. */
        roles: z
          .record(z.string().regex(/^[A-Z0-9]{2,12}$/, 'must be a role code such as R8000'), roleSchema)
          .default({}),
      })
      .default({ issuers: [], roles: {} }),
    /** Views per user and per organisation; over either, 429 with Retry-After. Shared through Redis when configured. */
    rateLimit: z.strictObject({ perUser: rateRuleSchema, perOrganisation: rateRuleSchema }).default({
      perUser: { points: 120, durationSeconds: 60 },
      perOrganisation: { points: 3000, durationSeconds: 60 },
    }),
    redis: z.strictObject({ url: z.url({ protocol: /^rediss?$/ }).optional() }),
    audit: auditSchema,
    sensitiveData: sensitiveDataSchema.default({ withheldConfidentiality: ['R', 'V'], codeSets: [] }),
    objections: z
      .strictObject({
        /**
         * Whether emergency (break-glass) access may override a patient's objection. Off by default:
         * an objection then refuses everyone. When on, each override raises a privacy-officer alert.
         */
        emergencyOverride: z.boolean().default(false),
      })
      .default({ emergencyOverride: false }),
    logging: z.strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    }),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sources.forEach((source, index) => {
      if (seen.has(source.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'id'],
          message: `duplicate source id "${source.id}"`,
        });
      }
      seen.add(source.id);
      if (source.timeoutMs !== undefined && source.timeoutMs > config.federation.deadlineMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'timeoutMs'],
          message: 'must not exceed federation.deadlineMs',
        });
      }
    });
    // Node refuses to start a server whose headers timeout exceeds its request timeout.
    if (config.server.headersTimeoutMs > config.server.requestTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'headersTimeoutMs'],
        message: 'must not exceed server.requestTimeoutMs',
      });
    }
    if (config.federation.assemblyReserveMs >= config.federation.deadlineMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['federation', 'assemblyReserveMs'],
        message: 'must be less than federation.deadlineMs',
      });
    }
    if (config.federation.sourceTimeoutMs > config.federation.deadlineMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['federation', 'sourceTimeoutMs'],
        message: 'must not exceed federation.deadlineMs',
      });
    }
  });

export type BrokerConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type AuditConfig = z.infer<typeof auditSchema>;
export type SensitiveDataConfig = z.infer<typeof sensitiveDataSchema>;
