import { z } from 'zod';
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
const structuredRecordBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z.array(z.custom<StructuredRecordEntry>(isStructuredRecordEntry, 'not a Bundle entry')).optional(),
});

/**
 * The resources of a structured record response, each once (by type and id). Throws `wrong-resource-type` for a
 * body that is not a STU3 collection Bundle.
 */
export function structuredRecordResources(body: unknown): Stu3Resource[] {
  const parsed = structuredRecordBundleSchema.safeParse(body);
  if (!parsed.success) {
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
  if (parsed.data.type !== 'collection') {
    throw upstreamError(
      'wrong-resource-type',
      'answered the structured record request with a Bundle that is not a collection',
      'structure',
    );
  }
  const seen = new Set<string>();
  const resources: Stu3Resource[] = [];
  for (const entry of parsed.data.entry ?? []) {
    const resource = entry.resource as Stu3Resource | undefined;
    if (!resource) continue;
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id && seen.has(key)) continue;
    seen.add(key);
    resources.push(resource);
  }
  return resources;
}
