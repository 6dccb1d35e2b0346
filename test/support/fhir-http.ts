import { SOURCE_EXTENSION_URL } from '../../core/fhir/systems';
import { bearer } from './identity';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';

export interface FhirResponse<T = Resource> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly elapsedMs: number;
}

/**
 * A real HTTP GET against the broker, parsed as FHIR JSON, signed in as a clinician unless the test
 * sends its own Authorization (an empty one sends none).
 */
export async function getFhir<T = Resource>(url: string, init: RequestInit = {}): Promise<FhirResponse<T>> {
  const started = performance.now();
  const response = await fetch(url, {
    ...init,
    headers: { accept: 'application/fhir+json', authorization: await bearer(), ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as T,
    elapsedMs: performance.now() - started,
  };
}

/** The closing OperationOutcome of a view. */
export function closingOutcome(bundle: Bundle): OperationOutcome {
  const last = bundle.entry?.at(-1);
  expect(last?.search?.mode).toBe('outcome');
  return last!.resource as OperationOutcome;
}

/** The issue a view reports for one source, found by the source extension. */
export function sourceIssues(bundle: Bundle | OperationOutcome, sourceId: string): OperationOutcome['issue'] {
  const outcome = bundle.resourceType === 'Bundle' ? closingOutcome(bundle) : bundle;
  return outcome.issue.filter((issue) =>
    issue.extension?.some(
      (ext) =>
        ext.url === SOURCE_EXTENSION_URL &&
        ext.extension?.some((e) => e.url === 'id' && e.valueString === sourceId),
    ),
  );
}

export function reasonOf(issue: OperationOutcome['issue'][number] | undefined): string | undefined {
  return issue?.details?.coding?.find((c) => c.system?.endsWith('/source-issue'))?.code;
}

export function statusOf(issue: OperationOutcome['issue'][number] | undefined): string | undefined {
  return issue?.details?.coding?.find((c) => c.system?.endsWith('/source-status'))?.code;
}

/** A log line's content, without the fields whose random or time values could look like numbers. */
export function logContent(line: Record<string, unknown> | undefined): string {
  const { requestId: _r, queryId: _q, time: _t, ...rest } = line ?? {};
  return JSON.stringify(rest);
}
