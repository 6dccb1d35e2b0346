import type { SourceStatus } from '../../core/source-contract';
import type { SectionId } from './sections';

/** The organisation an item came from, as configured for its source. */
export interface ItemSource {
  readonly id: string;
  readonly name: string;
  readonly odsCode: string;
}

/** A laboratory or vital-signs value as the source gave it, with its range and abnormal flag. */
export interface ResultValue {
  /** e.g. "58 mmol/mol", "104/62 mmHg" (from components), "New confusion". */
  readonly value: string;
  /** e.g. "20–41 mmol/mol" or the source's own range text. */
  readonly range?: string;
  /** H, L, HH, LL, A … as the source coded it, or H/L computed against the range. */
  readonly flag?: string;
  /** Where the flag came from: the source's interpretation, or the broker's comparison with the range. */
  readonly flagBasis?: 'interpretation' | 'range';
}

/** What a reader takes from one resource: every string is the source's own text. */
export interface ItemContent {
  /** The clinically relevant date as the source gave it (onset, effective, authored, issued, start…). */
  readonly date?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly status?: string;
  readonly result?: ResultValue;
  /** Appointments: the start is after the moment the record was generated. */
  readonly upcoming?: boolean;
  /** Documents: content the broker fetches from the source, at `url` relative to /fhir (`Binary/{id}`). */
  readonly content?: readonly {
    readonly url: string;
    readonly contentType?: string;
    readonly title?: string;
  }[];
}

/** A DiagnosticReport's results (its test groups' results in their place), and what the report says. */
export interface ReportContent {
  /** When the laboratory issued it. */
  readonly issued?: string;
  readonly conclusion?: string;
  /** The laboratory or department that issued it. */
  readonly laboratory?: string;
  readonly results: readonly RecordItem[];
}

/** One value of a series: as the source gave it, never converted. */
export interface SeriesPoint {
  readonly date: string;
  readonly value: number;
  readonly comparator?: string;
  readonly range?: string;
  readonly flag?: string;
  /** The result's item reference. */
  readonly reference: string;
}

/** A numeric test measured more than once (same code, same unit), oldest first, for a chart. */
export interface ResultSeries {
  /** `{code family}|{code}|{unit}`, e.g. `loinc|4548-4|mmol/mol`. */
  readonly key: string;
  readonly title: string;
  readonly unit?: string;
  readonly points: readonly SeriesPoint[];
}

export interface RecordItem extends ItemContent {
  /** The resource's reference in the broker's view, e.g. `Condition/gp-cond-1`. */
  readonly reference: string;
  /** Its own source first, then the sources of the duplicates grouped under it. */
  readonly sources: readonly ItemSource[];
  /** References of the duplicates grouped under this item (the same fact from other sources). */
  readonly duplicates?: readonly string[];
  /** Resources folded into this item, e.g. the GP's authorisation (MedicationRequest) behind a statement. */
  readonly related?: readonly string[];
  /** A result inside a report: the test group (panel) it was reported in, e.g. "Full blood count". */
  readonly group?: string;
  /** A DiagnosticReport: its results, grouped under it, and its issue date, conclusion and laboratory. */
  readonly report?: ReportContent;
  /** Emergency items: who made the decision or wrote the plan, as the source names them. */
  readonly author?: string;
}

export interface RecordSection {
  readonly id: SectionId;
  readonly title: string;
  /** Newest first; items without a date last, in the order the sources sent them. */
  readonly items: readonly RecordItem[];
  /** Medications section only: the patient's alerts (Flag), newest first. */
  readonly alerts?: readonly RecordItem[];
  /** Results section only: each repeated numeric test as a series, by title. */
  readonly series?: readonly ResultSeries[];
}

/** A conflict a clinician must see about the patient's identity or demographics. */
export interface BannerConflict {
  readonly sourceId: string;
  readonly reason: string;
  readonly text: string;
}

export interface Banner {
  /** "CLARKE, Amelia (Mrs)": family name in capitals, given names, prefix in brackets (NHS banner style). */
  readonly name?: string;
  readonly birthDate?: string;
  /** "900 000 0009" */
  readonly nhsNumber: string;
  /** The administrative gender as the source coded it: female, male, other, unknown. */
  readonly sex?: string;
  readonly address?: string;
  /** e.g. "Dr Sarah Okafor, Northbrook Health Centre (Y90001)". */
  readonly registeredGp?: string;
  /**
   * For a restricted (S-flagged) patient, the view's note that their contact details and registered
   * practice are not shown (the address and registered GP above are then absent).
   */
  readonly restricted?: string;
  /** The date of death the national demographics service records (ISO date). */
  readonly deceased?: string;
  /** The view's note that the NHS number asked for was superseded by the one shown above. */
  readonly superseded?: string;
  readonly conflicts: readonly BannerConflict[];
}

export interface SourceStatusNote {
  readonly severity: 'fatal' | 'error' | 'warning' | 'information';
  readonly reason?: string;
  readonly text: string;
}

export interface RecordSourceStatus extends ItemSource {
  readonly status: SourceStatus;
  /** The main issue's reason code and text (a warning for an ok source), when there is one. */
  readonly reason?: string;
  readonly text?: string;
  readonly durationMs: number;
  readonly issues: readonly SourceStatusNote[];
}

export interface WithheldCounts {
  /** Items a source sent that did not refer to this patient (identity guard). */
  readonly otherPatient: number;
  /** Sources excluded whole because their patient's demographics disagreed with the others'. */
  readonly excludedSources: number;
  /** The items those sources sent, none of which is shown. */
  readonly excludedItems: number;
  /** Items last updated before `_since` (never for the record endpoint, which takes no `_since`). */
  readonly beforeSince: number;
  /** Items withheld as sensitive (labelled restricted, or coded with a sensitive concept): how many, never which. */
  readonly sensitive: number;
}

/**
 * Sources that say different things about the same clinical matter (an allergy in one and "no known
 * allergies" in another; a medication active in one and stopped in another), as the merge reports
 * them: every side is shown in its section, never resolved.
 */
export interface RecordDisagreement {
  readonly kind: string;
  readonly text: string;
  readonly sources: readonly ItemSource[];
  /** The items involved, by their reference (as in each item's `reference` or `duplicates`). */
  readonly references: readonly string[];
}

export interface PatientRecord {
  readonly patient: Banner;
  /**
   * What matters in the first seconds of an emergency, shown above every section: resuscitation
   * decisions (Flag), then emergency care plans (ReSPECT, Universal Care Plan: CarePlan), newest first.
   */
  readonly emergency: readonly RecordItem[];
  readonly sections: readonly RecordSection[];
  readonly disagreements: readonly RecordDisagreement[];
  readonly sources: readonly RecordSourceStatus[];
  readonly withheld: WithheldCounts;
  readonly generatedAt: string;
  readonly queryId: string;
}
