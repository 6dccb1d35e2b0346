import type { Provenance, Resource } from '@medplum/fhirtypes';
import { entryReference, type MergedEntry } from '../merged-entry';
import { isMaskedReference } from './masked-reference';

/** Every Reference.reference in a JSON tree. */
export function referencesIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) referencesIn(item, found);
  } else if (typeof node === 'object' && node !== null) {
    // for…in rather than Object.entries: no array of pairs per node (this walks every node of a view).
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const value = record[key];
      if (key === 'reference' && typeof value === 'string') found.push(value);
      else if (typeof value === 'object' && value !== null) referencesIn(value, found);
    }
  }
  return found;
}

/**
 * The included resources (practitioners, organisations, medications…) that are in the view only because
 * something no longer in it referred to them: a withheld item, or a restricted patient's registered GP.
 * An included resource that anything still shown refers to, directly or through another included
 * resource, stays; so does one nothing removed refers to. Provenance keeps nothing in: it says where the
 * view's resources came from, and its targets are pruned with them.
 */
export function includedOnlyFor(input: {
  readonly included: readonly MergedEntry[];
  /** What stays in the view: its entries and its Patient. */
  readonly shown: readonly Resource[];
  /** View references made by what was removed. */
  readonly removed: readonly string[];
}): Set<string> {
  const byReference = new Map(input.included.map((e) => [entryReference(e), e.resource]));
  const reach = (start: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const queue = [...start];
    while (queue.length > 0) {
      const reference = queue.pop()!;
      const target = byReference.get(reference);
      if (!target || seen.has(reference)) continue;
      seen.add(reference);
      if (target.resourceType !== 'Provenance') queue.push(...referencesIn(target));
    }
    return seen;
  };
  const removed = reach(input.removed);
  if (removed.size === 0) return removed;
  const roots = [
    ...input.shown,
    ...input.included
      .filter((e) => !removed.has(entryReference(e)) && e.resource.resourceType !== 'Provenance')
      .map((e) => e.resource),
  ];
  const kept = reach(roots.flatMap((resource) => referencesIn(resource)));
  return new Set([...removed].filter((reference) => !kept.has(reference)));
}

/** A Provenance without the targets that are no longer in the view (dropped, or masked as withheld). */
export function withoutTargets(provenance: Provenance, dropped: ReadonlySet<string>): Provenance {
  const target = provenance.target.filter(
    (t) => !isMaskedReference(t) && !(t.reference !== undefined && dropped.has(t.reference)),
  );
  return target.length === provenance.target.length ? provenance : { ...provenance, target };
}
