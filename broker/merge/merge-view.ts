import type { Medication, OperationOutcome, Patient, Provenance } from '@medplum/fhirtypes';
import type { SourceIssue, SourceOutcome } from '../../core/source-contract';
import { demographicMismatchOutcome, demographicMismatches } from './demographics/demographic-cross-check';
import {
  authorityRestricts,
  identityIssues,
  type IdentityReference,
} from './demographics/identity-reference';
import { allergyDisagreements } from './disagreements/allergy-disagreements';
import { disagreementIssue, type Disagreement } from './disagreements/disagreement';
import { medicationDisagreements } from './disagreements/medication-disagreements';
import { groupDuplicates } from './grouping/group-duplicates';
import type { MergedEntry } from './merged-entry';
import { mergedPatient, type PatientContribution } from './merged-patient';
import { viewWithoutWithheld } from './sensitive-data/view-without-withheld';
import { restrictedPatientIssue, sensitiveWithheldIssue } from './sensitive-data/sensitive-data-issues';
import { SensitiveDataPolicy } from './sensitive-data/sensitive-data-policy';
import { contribute, type ContributionSetup, type EarlyContributions } from './early-contributions';
import { sourceProvenance, type BrokerIdentity } from './source-provenance';
import { sourceStatusOutcome } from './source-status-issues';

export type { MergedEntry } from './merged-entry';
export type { Disagreement } from './disagreements/disagreement';

export interface MergeInput extends ContributionSetup {
  readonly viewId: string;
  readonly outcomes: readonly SourceOutcome[];
  readonly broker: BrokerIdentity;
  readonly now: Date;
  /** What the national demographics service said, when one is configured (demographics/identity-reference). */
  readonly identity?: IdentityReference;
  /** Contributions already made as sources answered (EarlyContributions); any other is made here. */
  readonly early?: EarlyContributions;
}

/** A resource about another patient; a source whose patient's demographics conflict with the others'. */
export const SAFETY_INCIDENT_KINDS = ['other-patient', 'demographic-mismatch'] as const;
export type SafetyIncidentKind = (typeof SAFETY_INCIDENT_KINDS)[number];

/** Something withheld for clinical safety: raised as a metric, a log line without PHI and an alert. */
export interface SafetyIncident {
  readonly sourceId: string;
  readonly kind: SafetyIncidentKind;
  /** Items withheld (1 for a whole source). */
  readonly count: number;
}

/**
 * What happened to every resource the sources returned: `received` is always the sum of the others.
 * `shown` entries are the facts (group representatives and ungrouped entries); `grouped` entries are in
 * the view under a representative; the rest are not in the view.
 */
export interface MergeCounts {
  readonly received: number;
  readonly shown: number;
  readonly grouped: number;
  /** Dropped by the identity guard: they referred to another patient. */
  readonly otherPatient: number;
  /** Withheld by the sensitive-data policy: labelled restricted, or coded with a sensitive concept. */
  readonly withheldSensitive: number;
  /** Withheld by `_since`. */
  readonly beforeSince: number;
  /** From a source excluded whole because its patient's demographics disagreed. */
  readonly excludedSource: number;
  /** Withheld because the patient objects to sharing from the organisation they came from. */
  readonly withheldObjection: number;
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
  /** What the national demographics service said about the patient, when one is configured. */
  readonly identity?: IdentityReference;
}

/**
 * Merges source outcomes into one view, safety first: a source whose patient's demographics disagree
 * with the others' is excluded whole, and a resource that does not belong to its source's patient is
 * withheld; both are reported and raised as incidents. Then governance: what the sensitive-data policy
 * withholds (labelled restricted, or sensitive-coded) is left out, a reference to it masked, and each
 * source's count reported, never what was withheld; a restricted patient's Patient loses its contact
 * details and registered practice (sensitive-data/). Ids are namespaced per source and references
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
  const counts = {
    received: 0,
    shown: 0,
    grouped: 0,
    otherPatient: 0,
    withheldSensitive: 0,
    beforeSince: 0,
    excludedSource: 0,
    withheldObjection: 0,
  };
  const policy = new SensitiveDataPolicy(input.sensitiveData);
  const early = input.early?.madeFor(input);
  const withheldReferences: string[] = [];
  const recorded = input.now.toISOString();

  const confirmed = input.identity?.status === 'confirmed' ? input.identity : undefined;
  const mismatches = demographicMismatches(
    input.outcomes.flatMap((o) =>
      o.status === 'ok' ? [{ sourceId: o.sourceId, patient: o.record.patient }] : [],
    ),
    input.now,
    confirmed?.patient,
  );
  const outcomes = input.outcomes.map((outcome) => {
    const fields = mismatches.get(outcome.sourceId);
    if (!fields || outcome.status !== 'ok') return outcome;
    counts.received += outcome.record.resources.length;
    counts.excludedSource += outcome.record.resources.length;
    incidents.push({ sourceId: outcome.sourceId, kind: 'demographic-mismatch', count: 1 });
    return demographicMismatchOutcome(outcome, fields, confirmed?.authority);
  });

  outcomes.forEach((outcome, index) => {
    if (outcome.status !== 'ok') return;
    const source = input.sources[index]!;
    const { contribution, objected } = early?.get(outcome) ?? contribute(outcome, source, input, policy);
    contributions.push(contribution.patient);
    entries.push(...contribution.entries);
    included.push(...contribution.included);
    provenance.push(
      sourceProvenance({ source, broker: input.broker, targets: contribution.targets, recorded }),
    );
    counts.received += outcome.record.resources.length;
    counts.beforeSince += contribution.beforeSince;
    counts.withheldObjection += objected;
    const issues: SourceIssue[] = [];
    if (objected > 0) issues.push(objectionWithheldIssue(objected));
    const otherPatient = contribution.otherPatient;
    if (otherPatient > 0) {
      counts.otherPatient += otherPatient;
      incidents.push({ sourceId: source.id, kind: 'other-patient', count: otherPatient });
      issues.push({
        severity: 'warning',
        code: 'business-rule',
        reason: 'other-patient',
        text: `sent ${otherPatient} item${otherPatient === 1 ? '' : 's'} that did not refer to this patient; ${otherPatient === 1 ? 'it was' : 'they were'} withheld`,
      });
    }
    if (contribution.withheldSensitive > 0) {
      counts.withheldSensitive += contribution.withheldSensitive;
      withheldReferences.push(...contribution.withheldReferences);
      issues.push(sensitiveWithheldIssue(contribution.withheldSensitive));
    }
    if (issues.length > 0) extraIssues.set(source.id, issues);
  });

  const shown = viewWithoutWithheld({
    outcomes: input.outcomes,
    patient: mergedPatient(input.nhsNumber, contributions),
    contributions,
    entries,
    included,
    provenance,
    withheldReferences,
    restrictedByAuthority: authorityRestricts(input.identity),
  });
  const medications = new Map(
    shown.included
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
  // Straight after the summary line: the first thing a reader of a restricted patient's view must know.
  if (shown.restricted) outcome.issue.splice(1, 0, restrictedPatientIssue());
  // Who the patient is, as the authority says (or that it could not say), before anything else.
  outcome.issue.splice(1, 0, ...identityIssues(input.identity, input.nhsNumber));
  outcome.issue.push(...disagreements.map((d) => disagreementIssue(d, sourcesById)));
  return {
    patient: shown.patient,
    entries: grouped,
    included: shown.included,
    provenance: shown.provenance,
    outcome,
    incidents,
    disagreements,
    outcomes,
    counts,
    ...(input.identity ? { identity: input.identity } : {}),
  };
}

/** A source's note that items it relayed were withheld under the patient's objection: how many, and why. */
function objectionWithheldIssue(count: number): SourceIssue {
  const plural = count !== 1;
  return {
    severity: 'information',
    code: 'suppressed',
    reason: 'objection-withheld',
    text: `had ${count} item${plural ? 's' : ''} withheld: the patient has objected to sharing from the organisation that recorded ${plural ? 'them' : 'it'}`,
  };
}
