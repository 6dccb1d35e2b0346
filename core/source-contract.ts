import type { Extension, OperationOutcomeIssue, Patient, Resource } from '@medplum/fhirtypes';
import type { RecordResourceType } from './fhir/resource-types';
import type { SourceResilience } from './source-resilience';
import type { Requester } from './requester';

/** Kinds of source the broker can talk to; each has an adapter folder under adapters/. */
export const SOURCE_KINDS = ['fhir-r4', 'gp-connect', 'ambulance-epcr', 'broker'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** How a FHIR R4 source's record is searched: one request per resource type, or one batch of them. */
export const FHIR_SEARCH_BY = ['type', 'batch'] as const;
export type FhirSearchBy = (typeof FHIR_SEARCH_BY)[number];

/** The organisation and system a source stands for: what provenance names. */
export interface SourceDescriptor {
  readonly id: string;
  readonly kind: SourceKind;
  readonly name: string;
  readonly odsCode: string;
  /** Base URL of the source's API, used in provenance (`meta.source`). */
  readonly baseUrl: string;
  /** Other base URLs of the same system (replicas), which the federation may read from instead. */
  readonly replicas?: readonly string[];
  readonly supplies: readonly RecordResourceType[];
}

export interface PatientQuery {
  /** Also the audit correlation id; sent upstream as X-Request-Id. */
  readonly queryId: string;
  /** Already checked with the modulus-11 rule. */
  readonly nhsNumber: string;
  /** Empty means the patient's demographics only. */
  readonly resourceTypes: readonly RecordResourceType[];
  /** ISO instant: only resources updated at or after it. */
  readonly since?: string;
  readonly requester: Requester;
  /** Absolute epoch milliseconds by which the whole view must be answered. */
  readonly deadline: number;
  /** The brokers this request has already passed through, first caller first (empty at the first broker). */
  readonly chain: readonly string[];
  /** Sources the patient objects to sharing from (ids): skipped with `skipped: objection`, never asked. */
  readonly objectedSources?: readonly string[];
  /** When set, only these sources (ids) are asked; the others are `skipped: not-supplied` (an instance read). */
  readonly onlySources?: readonly string[];
}

export interface TraceContext {
  readonly requestId: string;
  readonly traceparent?: string;
}

/** A FHIR OperationOutcome issue, in the shape the broker reports per source. */
export interface SourceIssue {
  readonly severity: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIR issue-type code, e.g. `timeout`, `exception`, `processing`, `too-costly`. */
  readonly code: OperationOutcomeIssue['code'];
  /** Broker-specific reason, a code in SOURCE_ISSUE_SYSTEM, e.g. `http-500`, `invalid-json`. */
  readonly reason: string;
  /** A sentence a person can act on. Never contains patient identifiers. */
  readonly text: string;
  /** For an issue a peer broker reported about one of its own sources: that issue's source attribution. */
  readonly nestedSource?: Extension;
}

export const SOURCE_STATUSES = ['ok', 'no-match', 'timeout', 'error', 'rejected', 'skipped'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/** `circuit-open`: failing, paused until a probe succeeds; `busy`: too many views waiting on it already. */
export const SKIP_REASONS = ['objection', 'circuit-open', 'busy', 'not-supplied', 'loop'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

interface OutcomeBase {
  readonly sourceId: string;
  readonly durationMs: number;
}

/**
 * What one source contributed to a view, as FHIR R4. The patient is the source's own Patient
 * resource; `resources` are the record's items (each must refer to that patient); `supporting` are
 * the practitioners, organisations, locations and medications they refer to.
 */
export interface SourceRecord {
  readonly patient: Patient;
  readonly resources: readonly Resource[];
  readonly supporting?: readonly Resource[];
}

export type SourceOutcome =
  | (OutcomeBase & {
      readonly status: 'ok';
      readonly record: SourceRecord;
      readonly warnings: readonly SourceIssue[];
    })
  | (OutcomeBase & { readonly status: 'no-match' })
  | (OutcomeBase & { readonly status: 'timeout' })
  | (OutcomeBase & { readonly status: 'error'; readonly issue: SourceIssue })
  | (OutcomeBase & { readonly status: 'rejected'; readonly issue: SourceIssue })
  | (OutcomeBase & { readonly status: 'skipped'; readonly reason: SkipReason });

export interface AdapterContext {
  /** Aborted when the source's time is up; adapters must stop all work and resolve. */
  readonly signal: AbortSignal;
  readonly trace: TraceContext;
  /** Epoch milliseconds at which `signal` aborts, when known: retries must fit before it. */
  readonly deadline?: number;
  /**
   * The base URL to send this call's requests to, when not the source's own: one of its replicas
   * (hedged reads). Provenance still names `source.baseUrl`.
   */
  readonly baseUrl?: string;
}

/** Where this call's requests go: the replica the federation chose, else the source's own base URL. */
export function baseUrlOf(source: SourceDescriptor, ctx: AdapterContext): string {
  return ctx.baseUrl ?? source.baseUrl;
}

/** A document's content as a source serves it, checked (origin, type, declared size) and not yet read. */
export interface OpenedDocument {
  /** The media type without parameters, e.g. `application/pdf`. */
  readonly contentType: string;
  /** The declared length, when the source sent one (already checked against the cap). */
  readonly length?: number;
  /** The bytes, streamed; iteration throws once more than the cap has come. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops reading and releases the connection (the caller no longer wants the bytes). */
  cancel(): void;
}

export interface SourceAdapter {
  readonly source: SourceDescriptor;
  /**
   * Opens a document (a DocumentReference's attachment URL, relative to the source or absolute on
   * its origin) with the source's own authentication; throws an UpstreamFailure when it is refused.
   * Absent for sources whose documents the broker cannot fetch.
   */
  openDocument?(url: string, ctx: AdapterContext): Promise<OpenedDocument>;
  /** How the federation guards calls to this source (breaker, bulkhead, hedging); defaults when absent. */
  readonly resilience?: SourceResilience;
  /** Resolves for every upstream failure; never rejects. */
  fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}
