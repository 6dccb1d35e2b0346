import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';

export interface PageRequest {
  readonly offset: number;
  readonly count: number;
  readonly selfUrl: string;
  /** The link to the page starting at an offset of the same result. */
  readonly pageUrl: (offset: number) => string;
}

const keyOf = (resource: Resource | undefined): string | undefined =>
  resource?.id ? `${resource.resourceType}/${resource.id}` : undefined;

/** Every `reference` string in a resource, at any depth. */
function referencesIn(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencesIn(item, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') into.add(value);
      else referencesIn(value, into);
    }
  }
  return into;
}

/**
 * One page of a searchset: its share of the match entries; the included resources they refer to
 * (followed through includes that refer to others) and the Provenance of any of them; and the
 * closing OperationOutcome. Includes that no match refers to go on the first page, so every page
 * together carries the whole result. `total` stays the whole result's.
 */
export function bundlePage(bundle: Bundle, page: PageRequest): Bundle {
  const entries = bundle.entry ?? [];
  const matches = entries.filter((e) => e.search?.mode === 'match');
  const outcomes = entries.filter((e) => e.search?.mode === 'outcome');
  const includes = entries.filter((e) => e.search?.mode !== 'match' && e.search?.mode !== 'outcome');
  const pageMatches = matches.slice(page.offset, page.offset + page.count);

  const wanted = needed(pageMatches, includes);
  if (page.offset === 0) {
    for (const key of unreferenced(matches, includes)) wanted.add(key);
  }
  const pageIncludes = includes.filter((e) => wanted.has(keyOf(e.resource) ?? ''));

  const link: BundleLink[] = [{ relation: 'self', url: page.selfUrl }];
  if (page.offset + page.count < matches.length)
    link.push({ relation: 'next', url: page.pageUrl(page.offset + page.count) });
  if (page.offset > 0)
    link.push({ relation: 'previous', url: page.pageUrl(Math.max(0, page.offset - page.count)) });
  return { ...bundle, link, entry: [...pageMatches, ...pageIncludes, ...outcomes] };
}

/** The keys of the includes a set of match entries needs: what they refer to, transitively, and Provenance naming any of it. */
function needed(pageMatches: readonly BundleEntry[], includes: readonly BundleEntry[]): Set<string> {
  const byKey = new Map(includes.map((e) => [keyOf(e.resource) ?? '', e]));
  const shown = new Set(pageMatches.map((e) => keyOf(e.resource) ?? ''));
  const wanted = new Set<string>();
  let frontier = [
    ...referencesIn(
      pageMatches.map((e) => e.resource),
      new Set(),
    ),
  ];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const ref of frontier) {
      const entry = byKey.get(ref);
      if (!entry || wanted.has(ref)) continue;
      wanted.add(ref);
      next.push(...referencesIn(entry.resource, new Set()));
    }
    frontier = next;
  }
  for (const entry of includes) {
    const resource = entry.resource;
    if (resource?.resourceType !== 'Provenance') continue;
    if (resource.target.some((t) => t.reference && (shown.has(t.reference) || wanted.has(t.reference))))
      wanted.add(keyOf(resource)!);
  }
  return wanted;
}

/** Includes that no page would carry: shown on the first page so that nothing of the result is lost. */
function unreferenced(matches: readonly BundleEntry[], includes: readonly BundleEntry[]): string[] {
  const all = needed(matches, includes);
  return includes.map((e) => keyOf(e.resource) ?? '').filter((key) => key && !all.has(key));
}
