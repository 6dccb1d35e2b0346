import { upstreamError } from '../upstream-failure';

/** One searchset entry, as far as the adapters rely on it; everything else passes through untouched. */
export interface SearchEntry {
  readonly resource?: {
    readonly resourceType: string;
    readonly id?: string;
    readonly [key: string]: unknown;
  };
  readonly search?: { readonly mode?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The parts of a FHIR R4 searchset Bundle the adapter relies on; everything else passes through untouched. */
export interface SearchBundle {
  readonly resourceType: 'Bundle';
  readonly type?: string;
  readonly link?: readonly {
    readonly relation: string;
    readonly url: string;
    readonly [key: string]: unknown;
  }[];
  readonly entry?: readonly SearchEntry[];
  readonly [key: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** The entry's shape checked where it stands rather than parsed into a copy. */
function isSearchEntry(value: unknown): value is SearchEntry {
  if (!isObject(value)) return false;
  const { resource, search } = value;
  const resourceOk =
    resource === undefined ||
    (isObject(resource) && typeof resource.resourceType === 'string' && isOptionalString(resource.id));
  const searchOk = search === undefined || (isObject(search) && isOptionalString(search.mode));
  return resourceOk && searchOk;
}

const isLink = (value: unknown): boolean =>
  isObject(value) && typeof value.relation === 'string' && typeof value.url === 'string';

/**
 * Whether a body is a searchset Bundle as far as the adapters rely on it. A plain check where it stands,
 * not a zod parse: a schema over the bundle copied its envelope and ran its machinery for each of the
 * hundreds of entries of every page, a measurable part of the broker's cost per view. What it accepts is
 * what the schema accepted (search-bundle.test.ts holds the two side by side).
 */
export function isSearchBundle(body: unknown): body is SearchBundle {
  if (!isObject(body) || body.resourceType !== 'Bundle' || !isOptionalString(body.type)) return false;
  const { link, entry } = body;
  if (link !== undefined && !(Array.isArray(link) && link.every(isLink))) return false;
  return entry === undefined || (Array.isArray(entry) && entry.every(isSearchEntry));
}

/**
 * A search's answer as a searchset Bundle, or the structure failure that says what came instead;
 * the same check for a page fetched on its own and for one that arrived inside a batch-response.
 */
export function parseSearchBundle(body: unknown): SearchBundle {
  if (isSearchBundle(body)) return body;
  const kind =
    typeof body === 'object' && body !== null ? (body as { resourceType?: unknown }).resourceType : undefined;
  throw upstreamError(
    'wrong-resource-type',
    typeof kind === 'string' && kind !== 'Bundle'
      ? `answered a search with a ${kind.slice(0, 40)} instead of a Bundle`
      : 'answered a search with something that is not a FHIR Bundle',
    'structure',
  );
}
