import { z } from 'zod';
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The entry's shape checked where it stands rather than parsed into a copy: a bundle carries hundreds
 * of entries, and a copy of each (what an object schema makes) cost a fifth of the JSON parse again.
 */
function isSearchEntry(value: unknown): value is SearchEntry {
  if (!isObject(value)) return false;
  const { resource, search } = value;
  const resourceOk =
    resource === undefined ||
    (isObject(resource) &&
      typeof resource.resourceType === 'string' &&
      (resource.id === undefined || typeof resource.id === 'string'));
  const searchOk =
    search === undefined ||
    (isObject(search) && (search.mode === undefined || typeof search.mode === 'string'));
  return resourceOk && searchOk;
}

/** The parts of a FHIR R4 searchset Bundle the adapter relies on; everything else passes through untouched. */
export const searchBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(z.custom<SearchEntry>(isSearchEntry, 'not a searchset entry')).optional(),
});

export type SearchBundle = z.infer<typeof searchBundleSchema>;

/**
 * A search's answer as a searchset Bundle, or the structure failure that says what came instead;
 * the same check for a page fetched on its own and for one that arrived inside a batch-response.
 */
export function parseSearchBundle(body: unknown): SearchBundle {
  const parsed = searchBundleSchema.safeParse(body);
  if (parsed.success) return parsed.data;
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
