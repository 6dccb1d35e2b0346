import type { CodeableConcept, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../../core/source-contract';
import { BROKER_CANONICAL, ODS_CODE_SYSTEM } from '../../../core/fhir/systems';

export const DISAGREEMENT_KINDS = ['allergy-disagreement', 'medication-status-disagreement'] as const;
export type DisagreementKind = (typeof DISAGREEMENT_KINDS)[number];

/** Codes for the disagreements between sources a view shows (and never resolves). */
export const DISAGREEMENT_SYSTEM = `${BROKER_CANONICAL}/CodeSystem/record-disagreement`;

/**
 * Sources that say different things about the same clinical matter. The view shows every side as the
 * source recorded it; this says where to look. The text names sources and the substance or medication
 * (clinical content the clinician needs), never the patient.
 */
export interface Disagreement {
  readonly kind: DisagreementKind;
  readonly text: string;
  /** Every source on any side: the one whose record is contradicted first. */
  readonly sourceIds: readonly string[];
  /** The entries involved, by their reference in the view (`Type/id`). */
  readonly references: readonly string[];
}

export function sourceLabel(source: SourceDescriptor): string {
  return `${source.name} (${source.odsCode})`;
}

/** How a concept reads to a person: its text, else its first coding's display, else its first code. */
export function conceptDisplay(concept: CodeableConcept | undefined): string {
  const coding = concept?.coding?.find((c) => c.display) ?? concept?.coding?.[0];
  return concept?.text?.trim() || coding?.display || coding?.code || 'an uncoded item';
}

/** `a`, `a and b`, `a, b and c`. */
export function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/**
 * A disagreement as an issue of the view's closing OperationOutcome: a warning (FHIR issue type
 * `conflict`), coded with its kind and the ODS code of every source involved.
 */
export function disagreementIssue(
  disagreement: Disagreement,
  sources: ReadonlyMap<string, SourceDescriptor>,
): OperationOutcomeIssue {
  const involved = disagreement.sourceIds.flatMap((id) => {
    const source = sources.get(id);
    return source ? [{ system: ODS_CODE_SYSTEM, code: source.odsCode, display: source.name }] : [];
  });
  return {
    severity: 'warning',
    // Not 'conflict' (in FHIR an edit-version clash): the sources disagree about a clinical fact.
    code: 'business-rule',
    details: {
      coding: [{ system: DISAGREEMENT_SYSTEM, code: disagreement.kind }, ...involved],
      text: disagreement.text,
    },
  };
}
