import type { Medication, OperationOutcome, Patient, Provenance } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceIssue, SourceOutcome } from '../../adapters/contract';
import { demographicMismatchOutcome, demographicMismatches } from './demographics/demographic-cross-check';
import { allergyDisagreements } from './disagreements/allergy-disagreements';
import { disagreementIssue, type Disagreement } from './disagreements/disagreement';
import { medicationDisagreements } from './disagreements/medication-disagreements';
import { groupDuplicates } from './grouping/group-duplicates';
import type { MergedEntry } from './merged-entry';
import { mergedPatient, type PatientContribution } from './merged-patient';
import { sourceContribution } from './source-contribution';
import type { BrokerIdentity } from './source-provenance';
import { sourceStatusOutcome } from './source-status-issues';

export type { MergedEntry } from './merged-entry';
export type { Disagreement } from './disagreements/disagreement';

export interface MergeInput {
  readonly viewId: string;
  readonly nhsNumber: string;
  /** In the same order as `outcomes`; also the sources' priority (config order, most trusted first). */
  readonly sources: readonly SourceDescriptor[];
  readonly outcomes: readonly SourceOutcome[];
  readonly broker: BrokerIdentity;
  /** Resources last updated before this instant are left out (sources may ignore `_lastUpdated`). */
  readonly since?: string;
  readonly now: Date;
}

/** Something withheld for clinical safety: raised as a metric, a log line without PHI and (later) an alert. */
export interface SafetyIncident {
  readonly sourceId: string;
  readonly kind: 'other-patient' | 'demographic-mismatch';
  /** Items withheld (1 for a whole source). */
  readonly count: number;
}

/**
 * What happened to every resource the sources returned: `received` is always the sum of the other five.
 * `shown` entries are the facts (group representatives and ungrouped entries); `grouped` entries are in
 * the view under a representative; the rest are not in the view.
 */
export interface MergeCounts {
  readonly received: number;
  readonly shown: number;
  readonly grouped: number;
  /** Dropped by the identity guard: they referred to another patient. */
  readonly otherPatient: number;
  /** Withheld by `_since`. */
  readonly beforeSince: number;
  /** From a source excluded whole because its patient's demographics disagreed. */
  readonly excludedSource: number;
}

export interface MergedView {
  /** Null when no source knows the patient. */
  readonly patient: Patient | null;
  /** Every entry in the view, grouped members included (`groupedUnder` set). */
  readonly entries: readonly MergedEntry[];
  /** Practitioners, organisations, locations and medications the entries refer to. */
  readonly included: readonly MergedEntry[];
  readonly provenance: readonly Provenance[];
  readonly outcome: OperationOutcome;
  readonly incidents: readonly SafetyIncident[];
  /** Where sources contradict each other; shown, never resolved. Also issues of `outcome`. */
  readonly disagreements: readonly Disagreement[];
  /**
   * What the view reports for each source, in source order: the federation's outcomes, except that a
   * source excluded by the demographic cross-check is reported as an `error` (`demographic-mismatch`).
   */
  readonly outcomes: readonly SourceOutcome[];
  readonly counts: MergeCounts;
}

/**
 * Merges source outcomes into one view, safety first: a source whose patient's demographics disagree
 * with the others' is excluded whole, and a resource that does not belong to its source's patient is
 * withheld; both are reported and raised as incidents. Ids are namespaced per source and references
 * rewritten to match; provenance is added to `meta`; nothing else in a resource is changed. Records of
 * the same fact from several sources are grouped under one representative, never combined, and
 * disagreements between sources are reported, never resolved.
 */
export function mergeView(input: MergeInput): MergedView {
  const entries: MergedEntry[] = [];
  const included: MergedEntry[] = [];
  const provenance: Provenance[] = [];
  const contributions: PatientContribution[] = [];
  const extraIssues = new Map<string, SourceIssue[]>();
  const incidents: SafetyIncident[] = [];
  const counts = { received: 0, shown: 0, grouped: 0, otherPatient: 0, beforeSince: 0, excludedSource: 0 };
  const since = input.since ? Date.parse(input.since) : undefined;
  const recorded = input.now.toISOString();

  const mismatches = demographicMismatches(
    input.outcomes.flatMap((o) =>
      o.status === 'ok' ? [{ sourceId: o.sourceId, patient: o.record.patient }] : [],
    ),
    input.now,
  );
  const outcomes = input.outcomes.map((outcome) => {
    const fields = mismatches.get(outcome.sourceId);
    if (!fields || outcome.status !== 'ok') return outcome;
    counts.received += outcome.record.resources.length;
    counts.excludedSource += outcome.record.resources.length;
    incidents.push({ sourceId: outcome.sourceId, kind: 'demographic-mismatch', count: 1 });
    return demographicMismatchOutcome(outcome, fields);
  });

  outcomes.forEach((outcome, index) => {
    if (outcome.status !== 'ok') return;
    const source = input.sources[index]!;
    const contribution = sourceContribution({
      source,
      record: outcome.record,
      nhsNumber: input.nhsNumber,
      broker: input.broker,
      ...(since === undefined ? {} : { since }),
      recorded,
    });
    contributions.push(contribution.patient);
    entries.push(...contribution.entries);
    included.push(...contribution.included);
    provenance.push(contribution.provenance);
    counts.received += outcome.record.resources.length;
    counts.beforeSince += contribution.beforeSince;
    const otherPatient = contribution.otherPatient;
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
  });

  const medications = new Map(
    included
      .filter((e) => e.resource.resourceType === 'Medication')
      .map((e) => [`Medication/${e.resource.id}`, e.resource as Medication]),
  );
  const resolveMedication = (reference: string): Medication | undefined => medications.get(reference);
  const grouped = groupDuplicates({
    entries,
    sourceOrder: input.sources.map((s) => s.id),
    resolveMedication,
  });
  counts.grouped = grouped.filter((e) => e.groupedUnder).length;
  counts.shown = grouped.length - counts.grouped;

  const sourcesById = new Map(input.sources.map((s) => [s.id, s]));
  const disagreements = [
    ...allergyDisagreements(grouped, sourcesById),
    ...medicationDisagreements(grouped, sourcesById, resolveMedication),
  ];
  const outcome = sourceStatusOutcome(`${input.viewId}-sources`, input.sources, outcomes, extraIssues);
  outcome.issue.push(...disagreements.map((d) => disagreementIssue(d, sourcesById)));
  return {
    patient: mergedPatient(input.nhsNumber, contributions),
    entries: grouped,
    included,
    provenance,
    outcome,
    incidents,
    disagreements,
    outcomes,
    counts,
  };
}
