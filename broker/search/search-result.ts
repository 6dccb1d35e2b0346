import { evalFhirPath, matchesSearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { GROUPED_DUPLICATE_EXTENSION_URL } from '../merge/grouping/grouped-representative';
import { definitionOf, PROVENANCE_TARGET } from './search-definitions';
import type { SortKey, TextFilter, TypeSearch } from './search-request';

const keyOf = (resource: Resource | undefined): string =>
  resource?.id ? `${resource.resourceType}/${resource.id}` : '';

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

/** The references a search parameter's expression finds in a resource. */
function referencesBy(resource: Resource, code: string): Set<string> {
  const expression = definitionOf(resource.resourceType, code)?.expression;
  return expression ? referencesIn(evalFhirPath(expression, resource), new Set()) : new Set();
}

/** The other members of a group of duplicates, from the representative's grouped-duplicate extensions. */
function groupMembers(representative: Resource, byKey: ReadonlyMap<string, BundleEntry>): BundleEntry[] {
  const extensions = 'extension' in representative ? (representative.extension ?? []) : [];
  return extensions.flatMap((extension) => {
    const reference =
      extension.url === GROUPED_DUPLICATE_EXTENSION_URL ? extension.valueReference?.reference : undefined;
    const member = reference ? byKey.get(reference) : undefined;
    return member?.resource ? [member] : [];
  });
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/**
 * A type search answered from the searchset of the patient's merged, checked view: the entries of the
 * type that match the filters (FHIR semantics, @medplum/core), or where a group's representative does
 * not, the members of its group that do; sorted; what they refer to that the
 * view includes (group members, medications, practitioners…) and what `_include` / `_revinclude` ask
 * for; the Provenance of all of it; and the view's closing OperationOutcome, always. Nothing in a
 * resource is changed, except that `_elements` leaves out what was not asked for and says so.
 */
export function searchBundle(view: Bundle, search: TypeSearch): Bundle {
  const entries = view.entry ?? [];
  const outcome = entries.filter((e) => e.search?.mode === 'outcome');
  const others = entries.filter((e) => e.search?.mode !== 'outcome');
  const byKey = new Map(others.map((e) => [keyOf(e.resource), e]));
  const meets = (resource: Resource): boolean =>
    (!search.hasFilters || matchesSearchRequest(resource, search.filters)) &&
    search.textFilters.every((filter) => matchesText(resource, filter));
  let matches: BundleEntry[] = [];
  for (const entry of others) {
    if (entry.search?.mode !== 'match' || entry.resource?.resourceType !== search.type) continue;
    if (meets(entry.resource)) {
      matches.push(entry);
      continue;
    }
    // The same fact from another source may meet the criteria where the one shown does not (another
    // status, a later date): that source's resource is then the match, so no source's answer is lost.
    for (const member of groupMembers(entry.resource, byKey)) {
      if (meets(member.resource!)) matches.push({ ...member, search: { mode: 'match' } });
    }
  }
  if (search.sort.length > 0) matches = sortEntries(matches, search.sort);
  const { total: _whole, ...bundle } = view;
  const total = search.total === 'none' ? {} : { total: matches.length };
  if (search.summaryCount) return { ...bundle, ...total, entry: outcome };

  const shown = new Set(matches.map((e) => keyOf(e.resource)));
  const included = new Map<string, BundleEntry>();
  const add = (entry: BundleEntry | undefined): void => {
    const key = keyOf(entry?.resource);
    if (entry && key && !shown.has(key) && !included.has(key))
      included.set(key, { ...entry, search: { mode: 'include' } });
  };

  for (const include of search.include) {
    const code = include.split(':')[1]!;
    for (const match of matches) for (const ref of referencesBy(match.resource!, code)) add(byKey.get(ref));
  }
  for (const revinclude of search.revinclude) {
    if (revinclude === PROVENANCE_TARGET) continue; // Provenance is always added below.
    const [type, code] = revinclude.split(':') as [string, string];
    for (const entry of others) {
      if (entry.resource?.resourceType !== type) continue;
      if ([...referencesBy(entry.resource, code)].some((ref) => shown.has(ref))) add(entry);
    }
  }

  // What the matches and explicit includes refer to among the view's own includes, followed through.
  let frontier = [
    ...referencesIn(
      [...matches, ...included.values()].map((e) => e.resource),
      new Set(),
    ),
  ];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const ref of frontier) {
      const entry = byKey.get(ref);
      if (!entry || entry.search?.mode !== 'include' || included.has(ref) || shown.has(ref)) continue;
      add(entry);
      next.push(...referencesIn(entry.resource, new Set()));
    }
    frontier = next;
  }
  const returned = new Set([...shown, ...included.keys()]);
  for (const entry of others) {
    const resource = entry.resource;
    if (resource?.resourceType !== 'Provenance') continue;
    if (resource.target.some((t) => t.reference && returned.has(t.reference))) add(entry);
  }

  const elements = search.elements;
  const matchEntries = elements
    ? matches.map((e) => ({ ...e, resource: subset(e.resource!, elements) }))
    : matches;
  return { ...bundle, ...total, entry: [...matchEntries, ...included.values(), ...outcome] };
}

/** Case- and accent-insensitive, as FHIR's string search is. */
const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** The strings a text filter reads: a string parameter's values, or a concept's text and displays for `:text`. */
function textsOf(resource: Resource, filter: TextFilter): string[] {
  const expression = definitionOf(resource.resourceType, filter.code)?.expression;
  if (!expression) return [];
  const texts: string[] = [];
  for (const value of evalFhirPath(expression, resource)) {
    if (typeof value === 'string') texts.push(value);
    else if (value && typeof value === 'object') {
      const concept = value as { text?: string; display?: string; coding?: { display?: string }[] };
      for (const text of [concept.text, concept.display, ...(concept.coding ?? []).map((c) => c.display)])
        if (text) texts.push(text);
    }
  }
  return texts;
}

function matchesText(resource: Resource, filter: TextFilter): boolean {
  const texts = textsOf(resource, filter);
  return filter.values.some((wanted) =>
    texts.some((text) => {
      if (filter.mode === 'exact') return text === wanted;
      if (filter.mode === 'starts-with') return fold(text).startsWith(fold(wanted));
      return fold(text).includes(fold(wanted));
    }),
  );
}

/** `_elements`: the named top-level elements (a choice element by its name, e.g. `effective`), id and meta, tagged SUBSETTED. */
function subset(resource: Resource, elements: readonly string[]): Resource {
  const kept: Record<string, unknown> = { resourceType: resource.resourceType };
  for (const [key, value] of Object.entries(resource)) {
    const base = key.replace(/[A-Z][A-Za-z]*$/, '');
    if (key === 'id' || elements.includes(key) || (elements.includes(base) && /^[a-z]+[A-Z]/.test(key)))
      kept[key] = value;
  }
  kept.meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED] };
  return kept as unknown as Resource;
}

/** The value a date parameter sorts on: the earliest instant its expression finds (a period by its start). */
function sortValue(resource: Resource, code: string): number | undefined {
  if (code === '_lastUpdated') {
    const at = resource.meta?.lastUpdated;
    return at ? Date.parse(at) : undefined;
  }
  const expression = definitionOf(resource.resourceType, code)?.expression;
  if (!expression) return undefined;
  const instants = evalFhirPath(expression, resource)
    .map((value) => {
      if (typeof value === 'string') return Date.parse(value);
      const period = value as { start?: string; end?: string };
      return Date.parse(period.start ?? period.end ?? '');
    })
    .filter((n) => !Number.isNaN(n));
  return instants.length ? Math.min(...instants) : undefined;
}

/** Stable sort by the keys in turn; entries without a value go last either way, as HAPI and the spec's examples do. */
function sortEntries(entries: readonly BundleEntry[], keys: readonly SortKey[]): BundleEntry[] {
  const values = new Map(entries.map((e) => [e, keys.map((k) => sortValue(e.resource!, k.code))]));
  return [...entries].sort((a, b) => {
    for (const [i, key] of keys.entries()) {
      const x = values.get(a)![i];
      const y = values.get(b)![i];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return key.descending ? y - x : x - y;
    }
    return 0;
  });
}
