import { z } from 'zod';
import { auditSchema } from './sections/audit';
import { eventsSchema } from './sections/events';
import { authSchema, peersSchema, rateRuleSchema } from './sections/auth';
import { kebabId, odsCode, positiveMs, secretRef } from './sections/common';
import { observabilitySchema } from './sections/observability';
import { organisationsSchema } from './sections/organisations';
import { relationshipsSchema } from './sections/relationships';
import { sensitiveDataSchema } from './sections/sensitive-data';
import { serverSchema } from './sections/server';
import { viewerSchema } from './sections/viewer';
import { configuredSourceSchema } from './sections/sources';

export type { AuditConfig } from './sections/audit';
export { GOVERNANCE_DUTIES, USER_TOKEN_ALGORITHMS, type GovernanceDuty } from './sections/auth';
export type { SensitiveDataConfig } from './sections/sensitive-data';
export type { OrganisationsConfig } from './sections/organisations';
export type { RelationshipsConfig, VouchedForPolicy } from './sections/relationships';
export { EVENT_KINDS, type EventKind, type EventSystemConfig, type EventsConfig } from './sections/events';
export type { SignedLauncherConfig, SmartLauncherConfig, ViewerConfig } from './sections/viewer';
export {
  isRecordSource,
  smartBackendAuthSchema,
  sourceSchema,
  type PdsSourceConfig,
  type ConfiguredSource,
  configuredSourceSchema,
  type SourceConfig,
} from './sections/sources';

export const configSchema = z
  .strictObject({
    server: serverSchema,
    broker: z.strictObject({
      /** This broker's identity towards peers and in provenance. */
      id: kebabId,
      name: z.string().min(1),
      odsCode,
      /**
       * The broker's private signing key (PEM, PKCS#8 or SEC1; EC P-384 or RSA), for client assertions
       * to sources and peers and for forwarding a requester's identity; its public half is served at
       * /.well-known/jwks.json. Without one the broker makes an ephemeral key at start: fine for a
       * demo, not for production (sources would have to re-read the JWKS after every restart).
       */
      signingKey: secretRef.optional(),
      /**
       * Development only: start with an ephemeral key although peers or SMART sources are configured
       * (they would have to re-read the JWKS after every restart, and several processes would differ).
       */
      allowEphemeralSigningKey: z.boolean().default(false),
      /**
       * The broker's federation key (PEM private key; Ed25519 → EdDSA, or EC P-256 → ES256): it signs
       * the requester assertion sent with every view that asks a neighbouring broker, for a fraction of
       * a P-384 or RSA signature's CPU (at both ends); its public half is served beside the signing
       * key's. Without one, the signing key signs them when configured (as before: peers need no
       * change), else an ephemeral Ed25519 key does. SMART client assertions always use the signing key.
       */
      federationKey: secretRef.optional(),
      /**
       * Other public keys served at /.well-known/jwks.json beside the signing and federation keys'
       * (PEM, public or private: only the public half is served; EC P-384, EC P-256, RSA or Ed25519),
       * for a rotation with overlap: the next key before it signs, the previous one for a while after.
       * See docs/operations.md, "Rotating the broker's signing key".
       */
      publishedKeys: z.array(secretRef).max(4).default([]),
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
      /**
       * Bytes (serialised JSON) of kept results this process holds at most, and at most per user: a
       * user's own oldest results go first, so one user cannot push out another's pages.
       */
      pageMaxBytes: z.number().int().min(65_536).max(4_294_967_296).default(67_108_864),
      pageMaxBytesPerUser: z.number().int().min(16_384).max(1_073_741_824).default(8_388_608),
    }),
    sources: z.array(configuredSourceSchema).min(1, 'at least one source must be configured'),
    peers: peersSchema,
    /** Sites and the trusts they are part of (config/sections/organisations.ts). */
    organisations: organisationsSchema,
    /** What a relationship a neighbouring broker vouches for is worth here. */
    relationships: relationshipsSchema,
    auth: authSchema,
    /**
     * Views per user and per organisation, and per peer for every user a peer vouches for; over any,
     * 429 with Retry-After. Shared through Redis when configured.
     */
    rateLimit: z
      .strictObject({
        perUser: rateRuleSchema,
        perOrganisation: rateRuleSchema,
        perPeer: rateRuleSchema.default({ points: 3000, durationSeconds: 60 }),
      })
      .default({
        perUser: { points: 120, durationSeconds: 60 },
        perOrganisation: { points: 3000, durationSeconds: 60 },
        perPeer: { points: 3000, durationSeconds: 60 },
      }),
    redis: z.strictObject({ url: z.url({ protocol: /^rediss?$/ }).optional() }),
    audit: auditSchema,
    /** Real-time events in (ambulance, encounters) and FHIR Subscriptions out (issue 19). */
    events: eventsSchema,
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
    /** Who may read /metrics and /readyz detail (config/sections/observability.ts). */
    observability: observabilitySchema,
    /** The clinician's viewer and the clinical systems trusted to launch it (config/sections/viewer.ts). */
    viewer: viewerSchema,
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
      if (source.kind === 'pds' && config.sources.findIndex((s) => s.kind === 'pds') !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'kind'],
          message: 'only one source may be the demographics service (kind: pds)',
        });
      }
      if (source.timeoutMs !== undefined && source.timeoutMs > config.federation.deadlineMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'timeoutMs'],
          message: 'must not exceed federation.deadlineMs',
        });
      }
    });
    const signsForOthers =
      config.peers.length > 0 ||
      config.events.systems.length > 0 ||
      config.sources.some((source) => 'auth' in source && source.auth);
    if (signsForOthers && !config.broker.signingKey && !config.broker.allowEphemeralSigningKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['broker', 'signingKey'],
        message:
          'must be set when peers or SMART sources are configured: an ephemeral key changes at every restart (set broker.allowEphemeralSigningKey: true for development only)',
      });
    }
    const peerIds = new Set<string>();
    config.peers.forEach((peer, index) => {
      if (peerIds.has(peer.clientId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['peers', index, 'clientId'],
          message: `duplicate peer clientId "${peer.clientId}"`,
        });
      }
      peerIds.add(peer.clientId);
      peer.roles.forEach((role, roleIndex) => {
        if (!Object.hasOwn(config.auth.roles, role)) {
          ctx.addIssue({
            code: 'custom',
            path: ['peers', index, 'roles', roleIndex],
            message: `role ${role} is not under auth.roles`,
          });
        }
      });
    });
    const systemIds = new Set<string>();
    config.events.systems.forEach((system, index) => {
      if (peerIds.has(system.clientId) || systemIds.has(system.clientId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', 'systems', index, 'clientId'],
          message: `clientId "${system.clientId}" is already a peer or another event system`,
        });
      }
      systemIds.add(system.clientId);
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
