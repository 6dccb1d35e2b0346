import type { Coding, Resource } from '@medplum/fhirtypes';

/** HL7 v3 Confidentiality: U, L, M, N (normal), R (restricted), V (very restricted). */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** The restricted label a Patient carries when the person's record is restricted (PDS S-flag). */
export const RESTRICTED_CONFIDENTIALITY: Coding = {
  system: CONFIDENTIALITY_SYSTEM,
  code: 'R',
  display: 'restricted',
};

/**
 * The v3-Confidentiality codes a resource is labelled with: in `meta.security`, and for a
 * DocumentReference also in `securityLabel` (where document registries put the document's own label).
 */
export function confidentialityCodes(resource: Resource): Set<string> {
  const codes = new Set<string>();
  const add = (codings: readonly Coding[] | undefined): void => {
    for (const c of codings ?? []) if (c.system === CONFIDENTIALITY_SYSTEM && c.code) codes.add(c.code);
  };
  add(resource.meta?.security);
  if (resource.resourceType === 'DocumentReference') {
    for (const label of resource.securityLabel ?? []) add(label.coding);
  }
  return codes;
}

/**
 * Whether the resource is labelled, where confidentialityCodes looks, with one of `codes`. Asked of
 * every resource of every view, so it reads the labels in place and builds nothing.
 */
export function labelledWithAny(resource: Resource, codes: ReadonlySet<string>): boolean {
  if (anyOf(resource.meta?.security, codes)) return true;
  if (resource.resourceType !== 'DocumentReference' || !resource.securityLabel) return false;
  for (const label of resource.securityLabel) if (anyOf(label.coding, codes)) return true;
  return false;
}

function anyOf(codings: readonly Coding[] | undefined, codes: ReadonlySet<string>): boolean {
  if (!codings) return false;
  for (const c of codings) {
    if (c.system === CONFIDENTIALITY_SYSTEM && c.code !== undefined && codes.has(c.code)) return true;
  }
  return false;
}
