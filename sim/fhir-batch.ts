import { STATUS_CODES } from 'node:http';

/** A search's parameters, one string each (as the node's searches read them). */
export type SearchParams = Readonly<Record<string, string>>;

/** What one search produces: its status (default 200) and body. */
export interface SearchAnswer {
  readonly status?: number;
  readonly body: unknown;
}

/** Entries one batch may hold; a larger batch is refused whole. */
export const MAX_BATCH_ENTRIES = 50;

/**
 * Answers a FHIR R4 batch (http://hl7.org/fhir/R4/http.html#transaction) of GET searches: each entry
 * is run through `search` (the node's own handler for a search by type) and answered, in order, in a
 * batch-response entry. An entry that is not a search is refused in its own entry, with an
 * OperationOutcome and a 4xx status; a body that is not a batch, or a batch too large, is refused whole.
 */
export function answerBatch(
  body: unknown,
  options: {
    readonly baseUrl: string;
    readonly search: (type: string, params: SearchParams) => SearchAnswer;
  },
): SearchAnswer {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null | undefined;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'batch') {
    return refusal(400, 'not-supported', 'Only a Bundle of type batch is accepted here');
  }
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length > MAX_BATCH_ENTRIES) {
    return refusal(400, 'too-costly', `A batch may hold at most ${MAX_BATCH_ENTRIES} entries`);
  }
  return {
    body: {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: entries.map((entry) => responseEntry(entrySearch(entry, options))),
    },
  };
}

/** One entry's answer: the search it names, or why it was refused. */
function entrySearch(
  entry: unknown,
  options: {
    readonly baseUrl: string;
    readonly search: (type: string, params: SearchParams) => SearchAnswer;
  },
): SearchAnswer {
  const request = (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request;
  if (typeof request?.url !== 'string') {
    return refusal(400, 'invalid', 'A batch entry needs a request with a url');
  }
  if (request.method !== 'GET') {
    return refusal(405, 'not-supported', 'Only GET searches are supported in a batch');
  }
  const { baseUrl } = options;
  const relative = request.url.startsWith(`${baseUrl}/`)
    ? request.url.slice(baseUrl.length + 1)
    : request.url;
  const query = relative.indexOf('?');
  const type = (query < 0 ? relative : relative.slice(0, query)).replace(/^\//, '');
  if (!/^[A-Za-z]{1,64}$/.test(type)) {
    return refusal(400, 'not-supported', 'Only searches by type are supported in a batch');
  }
  const params = Object.fromEntries(new URLSearchParams(query < 0 ? '' : relative.slice(query + 1)));
  return options.search(type, params);
}

/** A batch-response entry: the search's result, or its refusal as the entry's outcome. */
function responseEntry({ status = 200, body }: SearchAnswer): Record<string, unknown> {
  const line = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return status < 300
    ? { resource: body, response: { status: line } }
    : { response: { status: line, outcome: body } };
}

function refusal(status: number, code: string, text: string): SearchAnswer {
  return {
    status,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] },
  };
}
