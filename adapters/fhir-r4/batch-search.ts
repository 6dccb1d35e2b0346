import type { SourceIssue } from '../../core/source-contract';
import { failureForStatus } from '../http/source-http-client';
import { UpstreamFailure, upstreamError } from '../upstream-failure';
import { parseSearchBundle, type SearchBundle } from './search-bundle';

/**
 * FHIR R4 batch (http://hl7.org/fhir/R4/http.html#transaction): several searches in one POST to the
 * base, answered by a batch-response whose entries are, in the same order, each search's own answer.
 */

/** The batch Bundle of GET searches; `searches` are relative to the base, e.g. `Condition?patient=1`. */
export function batchSearchBundle(searches: readonly string[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: searches.map((url) => ({ request: { method: 'GET', url } })),
  };
}

const ENTRY_STATUS = /^\s*(\d{3})(?:\s|$)/;

/** The parts of a batch-response the adapter relies on; each entry's resource is checked as a searchset later. */
interface BatchResponse {
  readonly type?: string;
  readonly entry?: readonly { readonly resource?: unknown; readonly response: { readonly status: string } }[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isBatchResponseEntry = (value: unknown): boolean =>
  isObject(value) &&
  isObject(value.response) &&
  typeof value.response.status === 'string' &&
  ENTRY_STATUS.test(value.response.status);

/**
 * A plain check where the body stands, not a zod parse (which copied the envelope and ran its machinery per
 * entry on every view); it accepts what the schema did (search-bundle.test.ts holds the two side by side).
 */
export function isBatchResponse(body: unknown): body is BatchResponse {
  if (!isObject(body) || body.resourceType !== 'Bundle') return false;
  if (body.type !== undefined && typeof body.type !== 'string') return false;
  return body.entry === undefined || (Array.isArray(body.entry) && body.entry.every(isBatchResponseEntry));
}

/** One search's answer out of a batch: its first page, or the failure a search on its own would have met. */
export type BatchedSearch = SearchBundle | UpstreamFailure;

function malformed(text: string): UpstreamFailure {
  return upstreamError('invalid-batch-response', text, 'structure');
}

/**
 * Reads a batch-response to `count` searches. A malformed answer (not a batch-response, not one entry
 * per search, a success without a result) fails the whole call: which entry answers which search can
 * no longer be trusted. A failed entry is that search's failure only, mapped as its own answer's
 * status would have been; an entry that is not a searchset fails like a search answered so.
 */
export function readBatchResponse(body: unknown, count: number): BatchedSearch[] {
  if (!isBatchResponse(body)) {
    const kind =
      typeof body === 'object' && body !== null
        ? (body as { resourceType?: unknown }).resourceType
        : undefined;
    if (kind !== 'Bundle') {
      throw upstreamError(
        'wrong-resource-type',
        typeof kind === 'string'
          ? `answered a batch search with a ${kind.slice(0, 40)} instead of a Bundle`
          : 'answered a batch search with something that is not a FHIR Bundle',
        'structure',
      );
    }
    throw malformed('answered a batch search with a Bundle whose entries are not batch-response entries');
  }
  const { type, entry = [] } = body;
  if (type !== 'batch-response') {
    // The type is echoed only when it looks like a Bundle type: an issue's text never carries what a source made up.
    const named = type !== undefined && /^[a-z-]{1,40}$/.test(type) ? `of type ${type}` : 'of no known type';
    throw malformed(`answered a batch search with a Bundle ${named}, not a batch-response`);
  }
  if (entry.length !== count) {
    throw malformed(`answered a batch of ${count} searches with ${entry.length} entries`);
  }
  return entry.map((item) => {
    const status = Number(ENTRY_STATUS.exec(item.response.status)![1]);
    if (status >= 200 && status < 300 && (item.resource === undefined || item.resource === null)) {
      throw malformed(`answered a batch search with an entry of HTTP ${status} but no result`);
    }
    const failure = failureForStatus(status);
    if (failure) return failure;
    try {
      return parseSearchBundle(item.resource);
    } catch (error) {
      if (error instanceof UpstreamFailure) return error;
      throw error;
    }
  });
}

/** Statuses meaning the source does not take batches at its base (it has no such route or interaction). */
const UNSUPPORTED = new Set(['http-404', 'http-405', 'http-501']);

/** Whether the batch POST failed because the source does not support batch, rather than failing. */
export function batchUnsupported(error: unknown): error is UpstreamFailure {
  return error instanceof UpstreamFailure && UNSUPPORTED.has(error.issue.reason);
}

/** What the view says when a source configured for batch turned out not to take one. */
export function batchFallbackWarning(failure: UpstreamFailure): SourceIssue {
  return {
    severity: 'warning',
    code: 'not-supported',
    reason: 'batch-unsupported',
    text: `does not support batch searches (${failure.issue.reason.replace('http-', 'HTTP ')}), so each type was searched on its own; set searchBy: type for this source`,
  };
}
