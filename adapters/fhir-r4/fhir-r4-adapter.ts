import { nextLinkWithin } from './next-link-within';
import type { OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import {
  INCLUDED_WITH,
  PATIENT_SEARCH_PARAM,
  isSupportingResourceType,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import {
  baseUrlOf,
  type AdapterContext,
  type OpenedDocument,
  type PatientQuery,
  type SourceAdapter,
  type SourceDescriptor,
  type SourceIssue,
  type SourceOutcome,
} from '../../core/source-contract';
import type { SmartBackendAuth } from '../auth/smart-backend-auth';
import type { SourceHttpClient } from '../http/source-http-client';
import { settleOutcome } from '../settle-outcome';
import { matchingPatient, UpstreamFailure, upstreamError } from '../upstream-failure';
import type { FhirSearchBy } from '../../core/source-contract';
import {
  batchFallbackWarning,
  batchSearchBundle,
  batchUnsupported,
  readBatchResponse,
  type BatchedSearch,
} from './batch-search';
import { parseSearchBundle, type SearchBundle } from './search-bundle';
import { DEFAULT_MAX_DOCUMENT_BYTES, openDocument } from '../http/open-document';

export interface FhirR4AdapterOptions {
  readonly source: SourceDescriptor;
  readonly client: SourceHttpClient;
  readonly maxPages: number;
  readonly pageSize: number;
  /**
   * `type` (default): one search request per resource type. `batch`: every type's first page in one
   * FHIR batch POST; later pages are still fetched one by one.
   */
  readonly searchBy?: FhirSearchBy;
  /** SMART Backend Services, for sources that require a system token. */
  readonly auth?: SmartBackendAuth;
  /** Where faults of the adapter itself (bugs, not upstream failures) are recorded. */
  readonly onFault: (error: unknown) => void;
  /** The largest document fetched through the broker (default 20 MiB). */
  readonly maxDocumentBytes?: number;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface TypeSearch {
  readonly resources: Resource[];
  /** Supporting resources the search included (a report's Specimens). */
  readonly supporting: Resource[];
  readonly warnings: SourceIssue[];
}

/**
 * A FHIR R4 REST source: resolves the local patient by NHS number, then searches each
 * supplied resource type by patient (one request per type, or their first pages in one batch),
 * following `next` links up to a cap.
 */
export class FhirR4Adapter implements SourceAdapter {
  readonly source: SourceDescriptor;

  constructor(private readonly options: FhirR4AdapterOptions) {
    this.source = options.source;
  }

  fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    return settleOutcome(
      { sourceId: this.source.id, signal: ctx.signal, onFault: this.options.onFault },
      async () => {
        const patient = await this.resolvePatient(query, ctx);
        if (!patient) return { status: 'no-match' };
        const wanted = query.resourceTypes.filter((type) => this.source.supplies.includes(type));
        const { searches, notes } = await this.searchTypes(wanted, patient.id, query, ctx);
        const warnings: SourceIssue[] = [...notes];
        const resources: Resource[] = [];
        const supporting = new Map<string, Resource>();
        const failures: unknown[] = [];
        searches.forEach((result, index) => {
          if (result.status === 'fulfilled') {
            resources.push(...result.value.resources);
            for (const r of result.value.supporting) supporting.set(`${r.resourceType}/${r.id}`, r);
            warnings.push(...result.value.warnings);
            return;
          }
          failures.push(result.reason);
          if (result.reason instanceof UpstreamFailure) {
            const { issue } = result.reason;
            warnings.push({ ...issue, severity: 'warning', text: `${wanted[index]} search: ${issue.text}` });
          }
        });
        // A search that timed out means the source ran out of time; one that faulted is a fault; and when
        // every search failed, the source failed: it did not answer "nothing".
        const fatal =
          failures.find((f) => f instanceof UpstreamFailure && f.status === 'timeout') ??
          failures.find((f) => !(f instanceof UpstreamFailure)) ??
          (wanted.length > 0 && failures.length === wanted.length ? failures[0] : undefined);
        if (fatal !== undefined) throw fatal;
        const record =
          supporting.size > 0
            ? { patient, resources, supporting: [...supporting.values()] }
            : { patient, resources };
        return { status: 'ok', record, warnings };
      },
    );
  }

  close(): Promise<void> {
    return this.options.client.close();
  }

  /** A document on this source's origin, with its token when it needs one (a refused token is renewed once). */
  async openDocument(url: string, ctx: AdapterContext, renewed = false): Promise<OpenedDocument> {
    const { auth } = this.options;
    const headers = auth ? { Authorization: await auth.authorization(ctx) } : undefined;
    try {
      return await openDocument({
        url,
        baseUrl: this.source.baseUrl,
        ...(headers ? { headers } : {}),
        signal: ctx.signal,
        maxBytes: this.options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
      });
    } catch (error) {
      if (auth && !renewed && error instanceof UpstreamFailure && error.issue.reason === 'http-401') {
        auth.invalidate();
        return this.openDocument(url, ctx, true);
      }
      throw error;
    }
  }

  private async resolvePatient(
    query: PatientQuery,
    ctx: AdapterContext,
  ): Promise<(Patient & { id: string }) | null> {
    const url = `${baseUrlOf(this.source, ctx)}/Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${query.nhsNumber}`)}`;
    const bundle = await this.getBundle(url, ctx);
    const patients = (bundle.entry ?? [])
      .filter((entry) => entry.resource?.resourceType === 'Patient' && entry.search?.mode !== 'include')
      .map((entry) => entry.resource as Patient);
    const patient = matchingPatient(patients, (p) =>
      (p.identifier ?? []).some((id) => id.system === NHS_NUMBER_SYSTEM && id.value === query.nhsNumber),
    );
    if (!patient) return null;
    if (!patient.id || !FHIR_ID.test(patient.id)) {
      throw upstreamError('invalid-resource', 'returned a patient without a valid id', 'structure');
    }
    return patient as Patient & { id: string };
  }

  /**
   * Every wanted type's search, settled: each type's first page by its own GET, or all of them in one
   * batch when the source is set to (and more than one type is wanted: a batch of one saves nothing).
   * A source that turns out not to take batches is searched type by type, and a note says so.
   */
  private async searchTypes(
    wanted: readonly RecordResourceType[],
    patientId: string,
    query: PatientQuery,
    ctx: AdapterContext,
  ): Promise<{ searches: PromiseSettledResult<TypeSearch>[]; notes: SourceIssue[] }> {
    const baseUrl = baseUrlOf(this.source, ctx);
    const relative = wanted.map((type) => firstSearch(type, patientId, query, this.options.pageSize));
    const byType = (): Promise<PromiseSettledResult<TypeSearch>[]> =>
      Promise.allSettled(wanted.map((type, i) => this.searchType(type, `${baseUrl}/${relative[i]}`, ctx)));
    if (this.options.searchBy !== 'batch' || wanted.length < 2)
      return { searches: await byType(), notes: [] };
    let firstPages: BatchedSearch[];
    try {
      firstPages = await this.batch(relative, ctx);
    } catch (error) {
      if (!batchUnsupported(error)) throw error;
      return { searches: await byType(), notes: [batchFallbackWarning(error)] };
    }
    const searches = await Promise.allSettled(
      wanted.map(async (type, i) => {
        const first = firstPages[i]!;
        if (first instanceof UpstreamFailure) throw first;
        return this.searchType(type, first, ctx);
      }),
    );
    return { searches, notes: [] };
  }

  /** The first pages of these searches (relative to the base), in one batch POST. */
  private async batch(searches: readonly string[], ctx: AdapterContext): Promise<BatchedSearch[]> {
    const body = await this.request(
      { method: 'POST', url: baseUrlOf(this.source, ctx), body: batchSearchBundle(searches) },
      ctx,
    );
    return readBatchResponse(body, searches.length);
  }

  /**
   * One type's search from its first page (a URL to GET, or the page already fetched in a batch),
   * following `next` links up to the page cap.
   */
  private async searchType(
    type: RecordResourceType,
    first: string | SearchBundle,
    ctx: AdapterContext,
  ): Promise<TypeSearch> {
    const byId = new Map<string, Resource>();
    const included = new Map<string, Resource>();
    const warnings: SourceIssue[] = [];
    let unexpected = 0;
    let next: string | SearchBundle | undefined = first;
    for (let page = 0; next !== undefined; page++) {
      if (page === this.options.maxPages) {
        warnings.push({
          severity: 'warning',
          code: 'too-costly',
          reason: 'truncated',
          text: `${type} search: more than ${this.options.maxPages} pages; the rest was not fetched`,
        });
        break;
      }
      const bundle: SearchBundle = typeof next === 'string' ? await this.getBundle(next, ctx) : next;
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource;
        if (!resource) continue;
        if (entry.search?.mode === 'include') {
          // Only what this search asked to include, and only supporting types: never a record item by the back door.
          if (
            INCLUDED_WITH[type]?.type === resource.resourceType &&
            isSupportingResourceType(resource.resourceType) &&
            resource.id &&
            FHIR_ID.test(resource.id)
          )
            included.set(`${resource.resourceType}/${resource.id}`, resource as Resource);
          continue;
        }
        if (entry.search?.mode === 'outcome' || resource.resourceType === 'OperationOutcome') {
          warnings.push(...sourceReportedIssues(resource as unknown as OperationOutcome, type));
          continue;
        }
        if (resource.resourceType !== type || !resource.id || !FHIR_ID.test(resource.id)) {
          unexpected++;
          continue;
        }
        byId.set(resource.id, resource as Resource);
      }
      next = this.nextLink(bundle, warnings, type, baseUrlOf(this.source, ctx));
    }
    if (unexpected > 0) {
      warnings.push({
        severity: 'warning',
        code: 'structure',
        reason: 'unexpected-resource',
        text: `${type} search: ${unexpected} entr${unexpected === 1 ? 'y was' : 'ies were'} not a ${type} with a valid id and ${unexpected === 1 ? 'was' : 'were'} left out`,
      });
    }
    return { resources: [...byId.values()], supporting: [...included.values()], warnings };
  }

  private nextLink(
    bundle: SearchBundle,
    warnings: SourceIssue[],
    type: string,
    baseUrl: string,
  ): string | undefined {
    const link = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!link) return undefined;
    // A next link may only lead back to where the search went: never let a source steer the broker elsewhere.
    const next = nextLinkWithin(link, baseUrl);
    if (!next) {
      warnings.push({
        severity: 'warning',
        code: 'security',
        reason: 'foreign-next-link',
        text: `${type} search: a next link pointed outside the source and was not followed`,
      });
      return undefined;
    }
    return next;
  }

  /** A request with the source's token when it needs one; a refused token (401) is renewed once. */
  private async request(
    request: { method: 'GET' | 'POST'; url: string; body?: unknown },
    ctx: AdapterContext,
    renewed = false,
  ): Promise<unknown> {
    const { auth, client } = this.options;
    const headers = auth ? { Authorization: await auth.authorization(ctx) } : undefined;
    try {
      // A batch of searches only reads: sending it twice is as harmless as a GET.
      return (
        await client.requestJson({ ...request, idempotent: true, ...(headers ? { headers } : {}), ...ctx })
      ).body;
    } catch (error) {
      if (auth && !renewed && error instanceof UpstreamFailure && error.issue.reason === 'http-401') {
        auth.invalidate();
        return this.request(request, ctx, true);
      }
      throw error;
    }
  }

  private async getBundle(url: string, ctx: AdapterContext): Promise<SearchBundle> {
    return parseSearchBundle(await this.request({ method: 'GET', url }, ctx));
  }
}

/** A type's first search by patient, relative to the source's base. */
function firstSearch(
  type: RecordResourceType,
  patientId: string,
  query: PatientQuery,
  pageSize: number,
): string {
  const params = new URLSearchParams({
    [PATIENT_SEARCH_PARAM[type]]: patientId,
    _count: String(pageSize),
  });
  if (query.since) params.set('_lastUpdated', `ge${query.since}`);
  const include = INCLUDED_WITH[type];
  if (include) params.set('_include', include.include);
  return `${type}?${params.toString()}`;
}

function sourceReportedIssues(outcome: OperationOutcome, type: string): SourceIssue[] {
  return (outcome.issue ?? [])
    .filter((issue) => issue.severity !== 'information')
    .map((issue) => ({
      severity: 'warning' as const,
      code: issue.code ?? 'informational',
      reason: 'source-reported',
      text: `${type} search: the source reported "${(issue.details?.text ?? issue.diagnostics ?? issue.code ?? '').slice(0, 200)}"`,
    }));
}
