import type { OperationOutcome, Patient, Provenance, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceIssue, SourceOutcome } from '../../adapters/contract';
import { isSupportingResourceType } from '../fhir/resource-types';
import { belongsToPatient } from './identity-guard';
import { mergedPatient, sourceTag, type PatientContribution } from './merged-patient';
import { namespacedId } from './namespaced-id';
import { ReferenceRewriter } from './reference-rewriter';
import { sourceProvenance, type BrokerIdentity } from './source-provenance';
import { sourceStatusOutcome } from './source-status-issues';

export interface MergeInput {
  readonly viewId: string;
  readonly nhsNumber: string;
  /** In the same order as `outcomes`. */
  readonly sources: readonly SourceDescriptor[];
  readonly outcomes: readonly SourceOutcome[];
  readonly broker: BrokerIdentity;
  /** Resources last updated before this instant are left out (sources may ignore `_lastUpdated`). */
  readonly since?: string;
  readonly now: Date;
}

export interface MergedEntry {
  readonly sourceId: string;
  readonly resource: Resource;
  /**
   * On the representative of a group of duplicates (the same clinical fact from several sources):
   * every other member, by source and by its reference in the view. Absent when not grouped.
   */
  readonly duplicates?: readonly { readonly sourceId: string; readonly reference: string }[];
  /** On a member grouped under another entry: the representative's reference (`Type/id`). */
  readonly groupedUnder?: string;
}

/** Something withheld for clinical safety: raised as a metric, a log line without PHI and (later) an alert. */
export interface SafetyIncident {
  readonly sourceId: string;
  readonly kind: 'other-patient' | 'demographic-mismatch';
  /** Items withheld (1 for a whole source). */
  readonly count: number;
}

export interface MergedView {
  /** Null when no source knows the patient. */
  readonly patient: Patient | null;
  readonly entries: readonly MergedEntry[];
  /** Practitioners, organisations, locations and medications the entries refer to. */
  readonly included: readonly MergedEntry[];
  readonly provenance: readonly Provenance[];
  readonly outcome: OperationOutcome;
  readonly incidents: readonly SafetyIncident[];
  readonly counts: {
    readonly received: number;
    readonly shown: number;
    readonly otherPatient: number;
    readonly beforeSince: number;
  };
}

/**
 * Merges source outcomes into one view. Ids are namespaced per source and references rewritten to
 * match; provenance is added to `meta`; nothing else in a resource is changed. A resource that does
 * not belong to the source's patient is withheld and reported.
 */
export function mergeView(input: MergeInput): MergedView {
  const entries: MergedEntry[] = [];
  const included: MergedEntry[] = [];
  const provenance: Provenance[] = [];
  const contributions: PatientContribution[] = [];
  const extraIssues = new Map<string, SourceIssue[]>();
  const incidents: SafetyIncident[] = [];
  const counts = { received: 0, shown: 0, otherPatient: 0, beforeSince: 0 };
  const since = input.since ? Date.parse(input.since) : undefined;
  const recorded = input.now.toISOString();

  input.outcomes.forEach((outcome, index) => {
    if (outcome.status !== 'ok') return;
    const source = input.sources[index]!;
    const { patient, resources } = outcome.record;
    const supporting = (outcome.record.supporting ?? []).filter(
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
    contributions.push({ source, patient: patient as Patient & { id: string }, rewriter });
    counts.received += resources.length;

    let otherPatient = 0;
    const targets = [{ reference: `Patient/${input.nhsNumber}` }];
    for (const resource of resources) {
      if (!belongsToPatient(resource, rewriter, localPatientId)) {
        otherPatient++;
        continue;
      }
      const lastUpdated = resource.meta?.lastUpdated ? Date.parse(resource.meta.lastUpdated) : undefined;
      if (since !== undefined && lastUpdated !== undefined && lastUpdated < since) {
        counts.beforeSince++;
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
    if (otherPatient > 0) {
      counts.otherPatient += otherPatient;
      incidents.push({ sourceId: source.id, kind: 'other-patient', count: otherPatient });
      extraIssues.set(source.id, [
        {
          severity: 'warning',
          code: 'business-rule',
          reason: 'other-patient',
          text: `sent ${otherPatient} item${otherPatient === 1 ? '' : 's'} that did not refer to this patient; ${otherPatient === 1 ? 'it was' : 'they were'} withheld`,
        },
      ]);
    }
    provenance.push(sourceProvenance({ source, broker: input.broker, targets, recorded }));
  });

  counts.shown = entries.length;
  return {
    patient: mergedPatient(input.nhsNumber, contributions),
    entries,
    included,
    provenance,
    outcome: sourceStatusOutcome(`${input.viewId}-sources`, input.sources, input.outcomes, extraIssues),
    incidents,
    counts,
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
