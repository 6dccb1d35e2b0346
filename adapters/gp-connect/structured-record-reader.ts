import type { Patient, Resource } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import {
  isRecordResourceType,
  isSupportingResourceType,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import type { SourceIssue, SourceRecord } from '../../core/source-contract';
import { upstreamError } from '../upstream-failure';
import { listWarnings } from './list-warnings';
import { convertStu3Resource, r4TypeOf } from './stu3-to-r4/convert-resource';
import { asArray, isObject, type Converted, type Stu3Resource } from './stu3-to-r4/stu3-resource';

/** Types that give a record its structure or were asked for elsewhere: never reported as left out. */
const STRUCTURE_TYPES = ['List', 'Patient', 'OperationOutcome'];

/**
 * Turns a structured record's STU3 resources into the source's R4 record: the patient (who must carry the
 * queried NHS number, once), the wanted record resources, the directory resources and medications they refer
 * to, and the warnings the practice and the conversion gave.
 */
export function readStructuredRecord(
  resources: readonly Stu3Resource[],
  query: {
    readonly nhsNumber: string;
    readonly wanted: readonly RecordResourceType[];
    readonly since?: string;
  },
): { record: SourceRecord; warnings: SourceIssue[] } {
  const patient = matchingPatient(resources, query.nhsNumber);
  const dropped: string[] = [];
  const convertedPatient = convertStu3Resource(patient)!;
  dropped.push(...convertedPatient.dropped);

  const record: Resource[] = [];
  const supporting = new Map<string, Converted>();
  const notShown = new Set<string>();
  const since = query.since ? Date.parse(query.since) : undefined;
  for (const source of resources) {
    const r4Type = r4TypeOf(source.resourceType);
    if (!r4Type) {
      if (!STRUCTURE_TYPES.includes(source.resourceType)) notShown.add(source.resourceType);
      continue;
    }
    const isRecord = isRecordResourceType(r4Type);
    if (isRecord && !query.wanted.includes(r4Type)) continue;
    if (!isRecord && !isSupportingResourceType(r4Type)) continue;
    if (isRecord && since !== undefined && updatedBefore(source, since)) continue;
    const converted = convertStu3Resource(source);
    if (!converted) continue;
    if (isRecord) {
      dropped.push(...converted.dropped);
      record.push(converted.resource);
    } else supporting.set(`${r4Type}/${source.id ?? ''}`, converted);
  }

  const warnings = listWarnings(resources);
  const referenced = referencedSupporting([convertedPatient.resource, ...record], supporting);
  for (const { dropped: lost } of referenced) dropped.push(...lost);
  if (dropped.length > 0) {
    const elements = [...new Set(dropped)].sort();
    warnings.push({
      severity: 'warning',
      code: 'informational',
      reason: 'gpc-stu3-not-converted',
      text: `sent elements that FHIR R4 has no place for, which were left out: ${elements.slice(0, 10).join(', ')}${elements.length > 10 ? ` and ${elements.length - 10} more` : ''}`,
    });
  }
  if (notShown.size > 0) {
    warnings.push({
      severity: 'information',
      code: 'informational',
      reason: 'gpc-not-shown',
      text: `sent ${[...notShown].sort().join(', ')} entries, which the broker's record has no place for`,
    });
  }
  return {
    record: {
      patient: convertedPatient.resource as Patient,
      resources: record,
      supporting: referenced.map((c) => c.resource),
    },
    warnings,
  };
}

function matchingPatient(
  resources: readonly Stu3Resource[],
  nhsNumber: string,
): Stu3Resource & { id: string } {
  const patients = resources.filter((r) => r.resourceType === 'Patient');
  if (patients.length === 0)
    throw upstreamError(
      'invalid-response',
      'answered the structured record request without a Patient',
      'structure',
    );
  const matching = patients.filter((patient) =>
    asArray(patient.identifier).some(
      (id) => isObject(id) && id.system === NHS_NUMBER_SYSTEM && id.value === nhsNumber,
    ),
  );
  if (matching.length === 0) {
    throw upstreamError(
      'patient-mismatch',
      'answered with the record of a patient who does not carry the requested NHS number',
      'business-rule',
    );
  }
  if (matching.length > 1) {
    throw upstreamError(
      'ambiguous-patient',
      'sent more than one patient with this NHS number',
      'multiple-matches',
    );
  }
  const patient = matching[0]!;
  if (!patient.id) throw upstreamError('invalid-resource', 'sent a patient without a valid id', 'structure');
  return patient as Stu3Resource & { id: string };
}

/** Without a lastUpdated a resource cannot be said to predate `since`: it is kept. */
function updatedBefore(resource: Stu3Resource, since: number): boolean {
  const updated = isObject(resource.meta) ? resource.meta.lastUpdated : undefined;
  return typeof updated === 'string' && Date.parse(updated) < since;
}

/** The supporting resources the record refers to, directly or through another supporting resource. */
function referencedSupporting(
  roots: readonly Resource[],
  supporting: ReadonlyMap<string, Converted>,
): Converted[] {
  const included = new Map<string, Converted>();
  const queue: unknown[] = [...roots];
  while (queue.length > 0) {
    for (const reference of references(queue.pop())) {
      const target = supporting.get(reference);
      if (target && !included.has(reference)) {
        included.set(reference, target);
        queue.push(target.resource);
      }
    }
  }
  return [...included.values()];
}

/**
 * `Type/id` of an absolute reference (`https://…/Type/id`); any other reference as it is. The pattern can only
 * match a reference with two slashes or more, so the usual `Type/id` is returned without running it.
 */
function relativeReference(reference: string): string {
  const last = reference.lastIndexOf('/');
  if (last <= 0 || reference.lastIndexOf('/', last - 1) < 0) return reference;
  return reference.replace(/^.*\/([^/]+\/[^/]+)$/, '$1');
}

/** Plain loops, not forEach and Object.entries: this walks every value of every resource in the record. */
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) references(item, found);
  } else if (isObject(value)) {
    for (const key in value) {
      const inner = value[key];
      if (key === 'reference' && typeof inner === 'string') found.push(relativeReference(inner));
      else if (typeof inner === 'object' && inner !== null) references(inner, found);
    }
  }
  return found;
}
