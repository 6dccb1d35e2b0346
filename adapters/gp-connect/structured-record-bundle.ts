import type { Stu3Resource } from './stu3-to-r4/stu3-resource';
import { upstreamError } from '../upstream-failure';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface StructuredRecordEntry {
  readonly resource?: {
    readonly resourceType: string;
    readonly id?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checked where it stands, not parsed into a copy: a record carries hundreds of entries. */
function isStructuredRecordEntry(value: unknown): value is StructuredRecordEntry {
  if (!isObject(value)) return false;
  const { resource } = value;
  return (
    resource === undefined ||
    (isObject(resource) &&
      typeof resource.resourceType === 'string' &&
      (resource.id === undefined || (typeof resource.id === 'string' && FHIR_ID.test(resource.id))))
  );
}

/** The parts of a GP Connect structured record Bundle the adapter relies on; the resources are converted apart. */
interface StructuredRecordBundle {
  readonly type: string;
  readonly entry?: readonly StructuredRecordEntry[];
}

/**
 * A plain check where the body stands, not a zod parse (which copied the envelope and ran its machinery per
 * entry on every view); it accepts what the schema did (structured-record-bundle.test.ts holds the two side
 * by side).
 */
export function isStructuredRecordBundle(body: unknown): body is StructuredRecordBundle {
  if (!isObject(body) || body.resourceType !== 'Bundle' || typeof body.type !== 'string') return false;
  return body.entry === undefined || (Array.isArray(body.entry) && body.entry.every(isStructuredRecordEntry));
}

/**
 * The resources of a structured record response, each once (by type and id). Throws `wrong-resource-type` for a
 * body that is not a STU3 collection Bundle.
 */
export function structuredRecordResources(body: unknown): Stu3Resource[] {
  if (!isStructuredRecordBundle(body)) {
    const kind =
      typeof body === 'object' && body !== null
        ? (body as { resourceType?: unknown }).resourceType
        : undefined;
    throw upstreamError(
      'wrong-resource-type',
      typeof kind === 'string' && kind !== 'Bundle'
        ? `answered the structured record request with a ${kind.slice(0, 40)} instead of a Bundle`
        : 'answered the structured record request with something that is not a valid FHIR Bundle',
      'structure',
    );
  }
  if (body.type !== 'collection') {
    throw upstreamError(
      'wrong-resource-type',
      'answered the structured record request with a Bundle that is not a collection',
      'structure',
    );
  }
  const seen = new Set<string>();
  const resources: Stu3Resource[] = [];
  for (const entry of body.entry ?? []) {
    const resource = entry.resource as Stu3Resource | undefined;
    if (!resource) continue;
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id && seen.has(key)) continue;
    seen.add(key);
    resources.push(resource);
  }
  return resources;
}
