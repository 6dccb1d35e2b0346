import { entryReference, type MergedEntry } from '../merged-entry';
import { groupingKey, type MedicationResolver } from './grouping-key';

export interface GroupDuplicatesInput {
  readonly entries: readonly MergedEntry[];
  /** Source ids in priority order (config order): the first is the most trusted. */
  readonly sourceOrder: readonly string[];
  readonly resolveMedication: MedicationResolver;
}

/**
 * Groups records of the same clinical fact from different sources. Each group holds at most one
 * entry per source; its representative is the entry from the highest-priority source, unchanged
 * apart from `duplicates`, which lists the others; each other member keeps its own content and gets
 * `groupedUnder`. Entries keep their order. Two entries from one source are never grouped: a source
 * that records something twice says so itself.
 */
export function groupDuplicates(input: GroupDuplicatesInput): MergedEntry[] {
  const priority = new Map(input.sourceOrder.map((id, index) => [id, index]));
  const rank = (index: number): number =>
    priority.get(input.entries[index]!.sourceId) ?? Number.MAX_SAFE_INTEGER;
  // Most facts come from one source only: a key's first entry is kept as its index alone, and groups
  // (with their sets of sources) are made only when a second entry shares the key.
  const firstByKey = new Map<string, number>();
  const groupsByKey = new Map<string, { sources: Set<string>; members: number[] }[]>();
  input.entries.forEach((entry, index) => {
    const key = groupingKey(entry.resource, input.resolveMedication);
    if (key === null) return;
    let groups = groupsByKey.get(key);
    if (!groups) {
      const first = firstByKey.get(key);
      if (first === undefined) {
        firstByKey.set(key, index);
        return;
      }
      groups = [{ sources: new Set([input.entries[first]!.sourceId]), members: [first] }];
      groupsByKey.set(key, groups);
    }
    let group = groups.find((g) => !g.sources.has(entry.sourceId));
    if (!group) {
      group = { sources: new Set(), members: [] };
      groups.push(group);
    }
    group.sources.add(entry.sourceId);
    group.members.push(index);
  });

  const result = [...input.entries];
  for (const groups of groupsByKey.values()) {
    for (const { members } of groups) {
      if (members.length < 2) continue;
      // Stable: among equal ranks (unknown sources) the earlier entry leads.
      const ordered = [...members].sort((a, b) => rank(a) - rank(b) || a - b);
      const [lead, ...rest] = ordered as [number, ...number[]];
      const representative = input.entries[lead]!;
      const reference = entryReference(representative);
      result[lead] = {
        ...representative,
        duplicates: rest.map((i) => ({
          sourceId: input.entries[i]!.sourceId,
          reference: entryReference(input.entries[i]!),
        })),
      };
      for (const i of rest) result[i] = { ...input.entries[i]!, groupedUnder: reference };
    }
  }
  return result;
}
