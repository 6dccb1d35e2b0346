import type { Coding, Extension, Resource } from '@medplum/fhirtypes';
import { BROKER_CANONICAL, ODS_CODE_SYSTEM } from '../../../core/fhir/systems';
import { entryReference, type MergedEntry } from '../merged-entry';

/** On a group's representative in a Bundle: one per other member, referring to it. */
export const GROUPED_DUPLICATE_EXTENSION_URL = `${BROKER_CANONICAL}/StructureDefinition/grouped-duplicate`;

/** The ODS tag of the source an entry came from: the last one, since the merge appends its own. */
function sourceOdsTag(resource: Resource): Coding | undefined {
  return resource.meta?.tag?.filter((tag) => tag.system === ODS_CODE_SYSTEM).at(-1);
}

/**
 * A group's representative as a Bundle shows it: its own content unchanged, plus an extension
 * referring to each other member, and in `meta.tag` (provenance, not clinical content) the ODS code of
 * every member's source ahead of its own tags, so its own source stays the last ODS tag.
 */
export function groupedRepresentative(
  representative: MergedEntry,
  members: readonly MergedEntry[],
): Resource {
  const resource = representative.resource;
  const extensions: Extension[] = members.map((member) => {
    const display = sourceOdsTag(member.resource)?.display;
    return {
      url: GROUPED_DUPLICATE_EXTENSION_URL,
      valueReference: { reference: entryReference(member), ...(display ? { display } : {}) },
    };
  });
  const ownTags = resource.meta?.tag ?? [];
  const memberTags: Coding[] = [];
  for (const member of members) {
    const tag = sourceOdsTag(member.resource);
    const known = (code: string | undefined): boolean =>
      [...ownTags, ...memberTags].some((t) => t.system === ODS_CODE_SYSTEM && t.code === code);
    if (tag && !known(tag.code)) memberTags.push(tag);
  }
  const existing = 'extension' in resource ? (resource.extension ?? []) : [];
  return {
    ...resource,
    meta: { ...resource.meta, tag: [...memberTags, ...ownTags] },
    extension: [...existing, ...extensions],
  } as Resource;
}
