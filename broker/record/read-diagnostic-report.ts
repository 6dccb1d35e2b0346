import type { DiagnosticReport } from '@medplum/fhirtypes';
import {
  conceptText,
  firstConceptText,
  joinParts,
  nonEmpty,
  optional,
  periodStart,
  referenceText,
} from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent, RecordItem } from './record-types';
import type { ReportResultRef } from './results-by-report';

/**
 * A report (a pathology panel, an imaging report): its name, the laboratory or department that issued
 * it, its conclusion and the specimen. Its results are Observations, shown under it in the record
 * (`report` on the results section's items) and in the FHIR view as the report's `result`.
 */
export function readDiagnosticReport(report: DiagnosticReport, ctx: ReaderContext): ItemContent {
  const specimens = (report.specimen ?? []).map((s) => {
    const specimen = ctx.resolve(s.reference);
    return specimen?.resourceType === 'Specimen' ? conceptText(specimen.type) : nonEmpty(s.display);
  });
  return {
    ...optional('date', report.effectiveDateTime ?? periodStart(report.effectivePeriod) ?? report.issued),
    ...optional('title', conceptText(report.code) ?? firstConceptText(report.category)),
    ...optional(
      'detail',
      joinParts([
        joinParts(
          (report.performer ?? []).map((p) => referenceText(p, ctx.resolve)),
          ', ',
        ),
        nonEmpty(report.conclusion),
        joinParts((report.conclusionCode ?? []).map(conceptText), ', '),
        joinParts(specimens, ', '),
      ]),
    ),
    ...optional('status', report.status),
  };
}

/** The report's item with its results under it (each with its test group), issue date, conclusion and laboratory. */
export function withReport(
  item: RecordItem,
  report: DiagnosticReport,
  results: readonly ReportResultRef[],
  itemOf: ReadonlyMap<string, RecordItem>,
  ctx: ReaderContext,
): RecordItem {
  const laboratory = joinParts(
    (report.performer ?? []).map((p) => referenceText(p, ctx.resolve)),
    ', ',
  );
  return {
    ...item,
    report: {
      ...optional('issued', report.issued),
      ...optional('conclusion', nonEmpty(report.conclusion)),
      ...optional('laboratory', laboratory),
      results: results.flatMap(({ reference, group }) => {
        const result = itemOf.get(reference);
        return result ? [group ? { ...result, group } : result] : [];
      }),
    },
  };
}
