import type { Patient, Provenance, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceRecord } from '../../adapters/contract';
import { isSupportingResourceType } from '../fhir/resource-types';
import { belongsToPatient } from './identity-guard';
import type { MergedEntry } from './merged-entry';
import { sourceTag, type PatientContribution } from './merged-patient';
import { namespacedId } from './namespaced-id';
import { ReferenceRewriter } from './reference-rewriter';
import { sourceProvenance, type BrokerIdentity } from './source-provenance';

export interface SourceContributionInput {
  readonly source: SourceDescriptor;
  readonly record: SourceRecord;
  readonly nhsNumber: string;
  readonly broker: BrokerIdentity;
  /** Epoch ms: resources last updated before it are left out. */
  readonly since?: number;
  /** ISO instant the view was assembled, for Provenance. */
  readonly recorded: string;
}

/** What one `ok` source puts into the view, and what it sent that stays out. */
export interface SourceContribution {
  readonly patient: PatientContribution;
  readonly entries: MergedEntry[];
  readonly included: MergedEntry[];
  readonly provenance: Provenance;
  /** Resources that referred to another patient (identity guard). */
  readonly otherPatient: number;
  readonly beforeSince: number;
}

/**
 * One source's record, ready to merge: ids namespaced, references rewritten, provenance in `meta`;
 * resources that do not belong to the source's patient are left out and counted.
 */
export function sourceContribution(input: SourceContributionInput): SourceContribution {
  const { source, record } = input;
  const { patient, resources } = record;
  const supporting = (record.supporting ?? []).filter(
    (r) => r.id && isSupportingResourceType(r.resourceType),
  );
  const localPatientId = patient.id!;
  const rewriter = new ReferenceRewriter({
    sourceId: source.id,
    baseUrl: source.baseUrl,
    inView: new Set([...resources, ...supporting].map((r) => `${r.resourceType}/${r.id}`)),
    localPatientId,
    viewPatientId: input.nhsNumber,
  });
  const entries: MergedEntry[] = [];
  const included: MergedEntry[] = [];
  let otherPatient = 0;
  let beforeSince = 0;
  const targets = [{ reference: `Patient/${input.nhsNumber}` }];
  for (const resource of resources) {
    if (!belongsToPatient(resource, rewriter, localPatientId)) {
      otherPatient++;
      continue;
    }
    const lastUpdated = resource.meta?.lastUpdated ? Date.parse(resource.meta.lastUpdated) : undefined;
    if (input.since !== undefined && lastUpdated !== undefined && lastUpdated < input.since) {
      beforeSince++;
      continue;
    }
    const copy = attributed(resource, source, rewriter);
    entries.push({ sourceId: source.id, resource: copy });
    targets.push({ reference: `${copy.resourceType}/${copy.id}` });
  }
  for (const resource of supporting) {
    const copy = attributed(resource, source, rewriter);
    included.push({ sourceId: source.id, resource: copy });
    targets.push({ reference: `${copy.resourceType}/${copy.id}` });
  }
  return {
    patient: { source, patient: patient as Patient & { id: string }, rewriter },
    entries,
    included,
    provenance: sourceProvenance({ source, broker: input.broker, targets, recorded: input.recorded }),
    otherPatient,
    beforeSince,
  };
}

/** The view's copy of a source's resource: namespaced id, rewritten references, provenance in meta; nothing else changed. */
function attributed(resource: Resource, source: SourceDescriptor, rewriter: ReferenceRewriter): Resource {
  const copy = rewriter.copy(resource);
  copy.id = namespacedId(source.id, resource.id!);
  copy.meta = {
    ...(resource.meta ?? {}),
    source: `${source.baseUrl}/${resource.resourceType}/${resource.id}`,
    tag: [...(resource.meta?.tag ?? []), sourceTag(source)],
  };
  return copy;
}
