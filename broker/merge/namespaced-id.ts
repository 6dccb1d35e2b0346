import { createHash } from 'node:crypto';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The id a source's resource has in the merged view: `{sourceId}-{localId}`, so that ids from
 * different sources never collide. When that would not be a valid FHIR id (too long), a digest
 * of the local id stands in for it; the original stays in `meta.source`.
 */
export function namespacedId(sourceId: string, localId: string): string {
  const plain = `${sourceId}-${localId}`;
  if (FHIR_ID.test(plain)) return plain;
  const digest = createHash('sha256').update(localId).digest('base64url').replace(/[_]/g, '.').slice(0, 40);
  return `${sourceId}-${digest}`;
}
