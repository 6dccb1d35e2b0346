import { z } from 'zod';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { FHIR_SEARCH_BY } from '../../core/source-contract';
import { resilienceSchema, type SourceResilience } from '../../core/source-resilience';
import { kebabId, odsCode, positiveMs, secretRef } from './common';
import { rateRuleSchema } from './auth';

/** SMART Backend Services: OAuth2 client credentials with a private_key_jwt assertion signed by the broker's key. */
export const smartBackendAuthSchema = z.strictObject({
  type: z.literal('smart-backend-services'),
  tokenUrl: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1),
  scope: z.string().min(1).default('system/*.read'),
});

const sourceCommon = {
  /** Stable, short: it prefixes the ids of every resource from this source. */
  id: kebabId,
  name: z.string().min(1),
  odsCode,
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

/**
 * The Personal Demographics Service: not a record source but the authority on identity. It is asked
 * for the patient beside the record sources, never for record items, and it alone answers a trace.
 */
const pdsSource = z.strictObject({
  id: kebabId,
  kind: z.literal('pds'),
  name: z.string().min(1).default('Personal Demographics Service'),
  odsCode: odsCode.default('X26'),
  /** e.g. https://int.api.service.nhs.uk/personal-demographics/FHIR/R4 */
  baseUrl: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  /** How long a view waits for PDS (asked beside governance, before the sources) before falling back to the sources' majority. */
  timeoutMs: positiveMs.default(1500),
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  maxSockets: z.number().int().min(1).max(512).default(16),
  /** Application-restricted access: a JWT signed with the broker's key, exchanged for an access token. */
  auth: z.strictObject({
    type: z.literal('signed-jwt'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    /** The application's API key on the NHS API platform: the assertion's iss and sub. */
    apiKey: z.string().min(1),
  }),
  trace: z
    .strictObject({
      /** A trace returns a patient only on one match scoring at least this (1: PDS's exact match). */
      minScore: z.number().min(0).max(1).default(1),
      /** Ask PDS for a fuzzy (phonetic, transposed dates) search rather than its default algorithm. */
      fuzzy: z.boolean().default(false),
      /** Traces allowed per user and per organisation: tighter than views, since a trace finds people. */
      perUser: rateRuleSchema.default({ points: 10, durationSeconds: 60 }),
      perOrganisation: rateRuleSchema.default({ points: 300, durationSeconds: 60 }),
    })
    .prefault({}),
  resilience: resilienceSchema.prefault({}),
});

/** A source of record items: every kind but the demographics authority. */
export const sourceSchema = z.discriminatedUnion('kind', [
  fhirR4Source,
  gpConnectSource,
  ambulanceEpcrSource,
  brokerSource,
]);

export type SourceConfig = z.infer<typeof sourceSchema>;

/** What `sources:` may list: the record sources and, at most once, the demographics service. */
export const configuredSourceSchema = z.discriminatedUnion('kind', [
  fhirR4Source,
  gpConnectSource,
  ambulanceEpcrSource,
  brokerSource,
  pdsSource,
]);
export type ConfiguredSource = z.infer<typeof configuredSourceSchema>;
export type PdsSourceConfig = Extract<ConfiguredSource, { kind: 'pds' }>;

export function isRecordSource(source: ConfiguredSource): source is SourceConfig {
  return source.kind !== 'pds';
}
