import type { DiagnosticReport } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import {
  asArray,
  carryOver,
  isObject,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const SAME = [
  'identifier',
  'basedOn',
  'status',
  'code',
  'subject',
  'effectiveDateTime',
  'effectivePeriod',
  'issued',
  'specimen',
  'result',
  'imagingStudy',
  'conclusion',
  'presentedForm',
] as const;

/**
 * STU3 DiagnosticReport (a GP Connect test report: its test groups, results and filing comments in
 * `result`, its specimens, the laboratory as performer) → R4: `category` becomes a list, `context` is
 * `encounter`, `codedDiagnosis` is `conclusionCode`, `image` is `media`, and each `performer.actor` is a
 * performer (a performer's `role` has no R4 place and is kept as an extension).
 */
export function convertDiagnosticReport(source: Stu3Resource): Converted<DiagnosticReport> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['category', 'context', 'codedDiagnosis', 'image', 'performer'],
  });
  const performers = asArray(source.performer).filter(isObject);
  withExtensions(
    kept,
    performers
      .filter((p) => p.role !== undefined)
      .map((p) =>
        stu3Extension('DiagnosticReport.performer.role', {
          valueCodeableConcept: toR4Values(p.role) as object,
        }),
      ),
  );
  const actors = performers.map((p) => toR4Values(p.actor)).filter((a) => a !== undefined);
  const resource = {
    resourceType: 'DiagnosticReport',
    ...kept,
    ...(source.category ? { category: asArray(toR4Values(source.category)) } : {}),
    ...(source.context ? { encounter: toR4Values(source.context) } : {}),
    ...(source.codedDiagnosis ? { conclusionCode: asArray(toR4Values(source.codedDiagnosis)) } : {}),
    ...(source.image ? { media: asArray(toR4Values(source.image)) } : {}),
    ...(actors.length > 0 ? { performer: actors } : {}),
  } as DiagnosticReport;
  return { resource, dropped };
}
