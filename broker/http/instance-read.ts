import type { Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../core/source-contract';
import {
  isRecordResourceType,
  RECORD_RESOURCE_TYPES,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import type { PatientView } from '../view/patient-view';
import { notFound } from './fhir-error';
import { READ_WINDOW_MS } from '../view/recent-references';
import type { OutcomeError } from '../../core/outcome-error';

/** The resources the record refers to that can be read by id: who, where, which product. */
export const READABLE_SUPPORTING_TYPES = [
  'Medication',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
] as const;
export type ReadableSupportingType = (typeof READABLE_SUPPORTING_TYPES)[number];

export type ReadableType = RecordResourceType | ReadableSupportingType;

const READABLE_TYPES: ReadonlySet<string> = new Set([...RECORD_RESOURCE_TYPES, ...READABLE_SUPPORTING_TYPES]);

export function isReadableType(value: string): value is ReadableType {
  return READABLE_TYPES.has(value);
}

export { READ_WINDOW_ENTRIES, READ_WINDOW_MS } from '../view/recent-references';

/**
 * The source an id in the view names: ids are `{sourceId}-{the source's id}`, and source ids may hold
 * hyphens themselves, so the longest matching source id wins.
 */
export function sourceOfId(sources: readonly SourceDescriptor[], id: string): SourceDescriptor | undefined {
  let best: SourceDescriptor | undefined;
  for (const source of sources) {
    if (id.startsWith(`${source.id}-`) && (!best || source.id.length > best.id.length)) best = source;
  }
  return best;
}

/**
 * The one 404 for every read that cannot be answered: unknown id, an id this user was not shown, an
 * item withheld or gone. The same words whatever the reason, so that it reveals nothing about a patient.
 */
export function unreadable(type: ReadableType): OutcomeError {
  return notFound(
    `No ${type} with this id can be read here. Ids are those a search or $everything of the patient gave you in the last ${READ_WINDOW_MS / 60_000} minutes: search again, then read.`,
  );
}

/** The resource with this id in a view narrowed to its source: a record item, or something they refer to. */
export function findInView(view: PatientView, type: ReadableType, id: string): Resource | undefined {
  const pool = isRecordResourceType(type) ? view.entries : view.included;
  return pool.find((e) => e.resource.resourceType === type && e.resource.id === id)?.resource;
}

/** A relative reference to a readable type: one test, nothing sliced. */
const READABLE_REFERENCE = new RegExp(`^(?:${[...READABLE_TYPES].join('|')})/[A-Za-z0-9\\-.]{1,64}$`);

/** Every relative `reference` to a readable type in a resource, at any depth (for…in: no array of pairs per node). */
function readableIn(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) readableIn(item, into);
  else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const value = record[key];
      if (key === 'reference' && typeof value === 'string') {
        if (READABLE_REFERENCE.test(value)) into.add(value);
      } else if (typeof value === 'object' && value !== null) readableIn(value, into);
    }
  }
}

/**
 * The `Type/id`s a searchset's entries have or refer to (relative references, at any depth) that can
 * later be read by id, each once.
 */
export function readableReferences(resources: Iterable<Resource | undefined>): string[] {
  const references = new Set<string>();
  for (const resource of resources) {
    if (!resource?.id) continue;
    if (READABLE_TYPES.has(resource.resourceType)) references.add(`${resource.resourceType}/${resource.id}`);
    readableIn(resource, references);
  }
  return [...references];
}
