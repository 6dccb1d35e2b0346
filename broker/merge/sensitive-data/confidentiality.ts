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
  const codings: Coding[] = [...(resource.meta?.security ?? [])];
  if (resource.resourceType === 'DocumentReference') {
    for (const label of resource.securityLabel ?? []) codings.push(...(label.coding ?? []));
  }
  return new Set(codings.flatMap((c) => (c.system === CONFIDENTIALITY_SYSTEM && c.code ? [c.code] : [])));
}
