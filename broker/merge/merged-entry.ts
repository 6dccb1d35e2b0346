import type { Resource } from '@medplum/fhirtypes';

export interface MergedEntry {
  readonly sourceId: string;
  readonly resource: Resource;
  /**
   * On the representative of a group of duplicates (the same clinical fact from several sources):
   * every other member, by source and by its reference in the view. Absent when not grouped.
   */
  readonly duplicates?: readonly { readonly sourceId: string; readonly reference: string }[];
  /** On a member grouped under another entry: the representative's reference (`Type/id`). */
  readonly groupedUnder?: string;
}

/** An entry's reference in the view: `Type/id`. */
export function entryReference(entry: MergedEntry): string {
  return `${entry.resource.resourceType}/${entry.resource.id}`;
}
