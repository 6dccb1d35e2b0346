import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceRecord } from '../../core/source-contract';
import { isSupportingResourceType } from '../../core/fhir/resource-types';
import { belongsToPatient, supportingBelongsToPatient } from './identity-guard';
import type { MergedEntry } from './merged-entry';
import { sourceTag, type PatientContribution } from './merged-patient';
import { namespacedId } from './namespaced-id';
import { binaryId } from '../documents/binary-id';
import { ReferenceRewriter, localTargetsOf } from './reference-rewriter';
import type { MedicationLookup } from './sensitive-data/coded-concepts';
import { referencesIn, withoutTargets } from './sensitive-data/included-reach';
import type { SensitiveDataPolicy } from './sensitive-data/sensitive-data-policy';

export interface SourceContributionInput {
  readonly source: SourceDescriptor;
  readonly record: SourceRecord;
  readonly nhsNumber: string;
  /** What is withheld as sensitive. */
  readonly policy: SensitiveDataPolicy;
  /** Epoch ms: resources last updated before it are left out. */
  readonly since?: number;
  /** The record types the view asked for; when given, references to the others are named by view id. */
  readonly resourceTypes?: readonly string[];
}

/** What one `ok` source puts into the view, and what it sent that stays out. */
export interface SourceContribution {
  readonly patient: PatientContribution;
  readonly entries: MergedEntry[];
  readonly included: MergedEntry[];
  /**
   * What the source's Provenance names: the patient and every entry and include. The Provenance itself
   * is made by the merge, which knows when the view was assembled (a contribution may be made earlier,
   * as its source answers).
   */
  readonly targets: readonly Reference[];
  /** Resources that referred to another patient (identity guard). */
  readonly otherPatient: number;
  /** Record resources withheld as sensitive (labelled, or coded with a sensitive concept). */
  readonly withheldSensitive: number;
  readonly beforeSince: number;
  /** View references the withheld resources made: what may be included only because of them. */
  readonly withheldReferences: readonly string[];
}

const key = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;

/** `Type/id` of every resource in the lists that is not withheld: built in one loop, no array between. */
function shownKeys(lists: readonly (readonly Resource[])[], withheld: ReadonlySet<string>): Set<string> {
  const keys = new Set<string>();
  for (const list of lists) {
    for (const resource of list) {
      const k = key(resource);
      if (!withheld.has(k)) keys.add(k);
    }
  }
  return keys;
}

/**
 * One source's record, ready to merge: ids namespaced, references rewritten, provenance in `meta`.
 * Left out and counted: resources that do not belong to the source's patient (identity guard), then
 * resources the sensitive-data policy withholds (a reference to one is masked), then those before
 * `_since`. Supporting resources the policy withholds are left out too (they are not record items).
 */
export function sourceContribution(input: SourceContributionInput): SourceContribution {
  const { source, record, policy } = input;
  const { patient, resources } = record;
  const localPatientId = patient.id!;
  const locate = { localTarget: localTargetsOf(source.baseUrl) };
  let otherPatient = 0;
  const supporting = (record.supporting ?? []).filter((r) => {
    if (!r.id || !isSupportingResourceType(r.resourceType)) return false;
    if (supportingBelongsToPatient(r, locate, localPatientId)) return true;
    otherPatient++;
    return false;
  });
  const supportingByKey = new Map(supporting.map((r) => [key(r), r]));
  const medication: MedicationLookup = (owner, reference) => {
    const ref = reference?.reference;
    if (!ref) return undefined;
    let target: Resource | undefined;
    if (ref.startsWith('#'))
      target = (owner as { contained?: Resource[] }).contained?.find((c) => `#${c.id}` === ref);
    else {
      const local = locate.localTarget(ref);
      target = local ? supportingByKey.get(`${local.type}/${local.id}`) : undefined;
    }
    return target?.resourceType === 'Medication' ? target : undefined;
  };

  const belonging: Resource[] = [];
  const withheld: Resource[] = [];
  for (const resource of resources) {
    if (!belongsToPatient(resource, locate, localPatientId)) otherPatient++;
    else if (policy.withholds(resource, medication)) withheld.push(resource);
    else belonging.push(resource);
  }
  const withheldKeys = new Set(withheld.map(key));
  const shownSupporting: Resource[] = [];
  for (const resource of supporting) {
    if (policy.withholds(resource, medication)) withheldKeys.add(key(resource));
    else shownSupporting.push(resource);
  }
  const rewriter = new ReferenceRewriter({
    sourceId: source.id,
    baseUrl: source.baseUrl,
    inView: shownKeys([resources, supporting], withheldKeys),
    localPatientId,
    viewPatientId: input.nhsNumber,
    withheld: withheldKeys,
    ...(input.resourceTypes
      ? { notAsked: new Set(source.supplies.filter((type) => !input.resourceTypes!.includes(type))) }
      : {}),
  });

  const entries: MergedEntry[] = [];
  const included: MergedEntry[] = [];
  let beforeSince = 0;
  const targets = [{ reference: `Patient/${input.nhsNumber}` }];
  for (const resource of belonging) {
    // Parsed only when a view asks `_since`: a date parse for every resource of every view was for nothing.
    if (input.since !== undefined && resource.meta?.lastUpdated) {
      if (Date.parse(resource.meta.lastUpdated) < input.since) {
        beforeSince++;
        continue;
      }
    }
    const copy = attributed(resource, source, rewriter, input.nhsNumber);
    entries.push({ sourceId: source.id, resource: copy });
    targets.push({ reference: `${copy.resourceType}/${copy.id}` });
  }
  for (const resource of shownSupporting) {
    const copy = attributed(resource, source, rewriter);
    // A peer broker's Provenance keeps no target that is withheld here.
    const shown = copy.resourceType === 'Provenance' ? withoutTargets(copy, new Set()) : copy;
    included.push({ sourceId: source.id, resource: shown });
    targets.push({ reference: `${copy.resourceType}/${copy.id}` });
  }
  return {
    patient: { source, patient: patient as Patient & { id: string }, rewriter },
    entries,
    included,
    targets,
    otherPatient,
    withheldSensitive: withheld.length,
    beforeSince,
    withheldReferences: withheld.flatMap((r) => referencesIn(r)).map((ref) => rewriter.rewrite(ref)),
  };
}

/**
 * The view's copy of a source's resource: namespaced id, rewritten references, provenance in meta, and a
 * document's attachment URLs pointing at the broker (which fetches them from the source with the same
 * checks as a view); nothing else changed.
 */
function attributed(
  resource: Resource,
  source: SourceDescriptor,
  rewriter: ReferenceRewriter,
  nhsNumber?: string,
): Resource {
  const copy = rewriter.copy(resource);
  copy.id = namespacedId(source.id, resource.id!);
  if (copy.resourceType === 'DocumentReference' && nhsNumber) {
    const documentId = copy.id;
    copy.content = copy.content.map((content, contentIndex) =>
      content.attachment.url
        ? {
            ...content,
            attachment: {
              ...content.attachment,
              url: `Binary/${binaryId({ nhsNumber, documentId, contentIndex })}`,
            },
          }
        : content,
    );
  }
  copy.meta = {
    ...(resource.meta ?? {}),
    source: `${source.baseUrl}/${resource.resourceType}/${resource.id}`,
    tag: [...(resource.meta?.tag ?? []), sourceTag(source)],
  };
  return copy;
}
