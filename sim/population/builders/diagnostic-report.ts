import type {
  DiagnosticReport,
  Observation,
  Organization,
  Reference,
  Resource,
  Specimen,
} from '@medplum/fhirtypes';
import { coded } from '../code-systems';
import {
  PANEL_REPORTS,
  SECTION_DISPLAY,
  SPECIMEN_TYPES,
  panelConcept,
  panelOfLoinc,
} from '../catalogue/pathology-reports';
import { localReference, resourceMeta, type RecordContext } from '../record-context';

const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';

export interface LabReportOptions {
  /** The laboratory that issued the reports, e.g. the trust's pathology service. */
  readonly laboratory: Reference<Organization>;
  /** A laboratory's conclusion on the report of one panel and sample, keyed `{panel}@{sample time}`. */
  readonly conclusions?: Readonly<Record<string, string>>;
}

const isLab = (r: Resource): r is Observation =>
  r.resourceType === 'Observation' &&
  (r.category?.some((c) => c.coding?.some((coding) => coding.code === 'laboratory')) ?? false);

/**
 * A laboratory files its results as reports: one DiagnosticReport per panel and sample, naming its
 * results and the Specimen they were measured on. Returns the record with the reports and specimens
 * added and each result pointing at its specimen.
 */
export function withLabReports(
  context: RecordContext,
  resources: readonly Resource[],
  options: LabReportOptions,
): Resource[] {
  const groups = new Map<string, Observation[]>();
  for (const resource of resources) {
    if (!isLab(resource)) continue;
    const panel = panelOfLoinc(resource.code.coding?.[0]?.code);
    if (!panel) continue;
    const key = `${panel}@${resource.effectiveDateTime ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), resource]);
  }
  const added: Resource[] = [];
  const specimenOf = new Map<Observation, Reference<Specimen>>();
  // One sample of each kind at each time: a full blood count and an HbA1c share their blood tube.
  const samples = new Map<string, Reference<Specimen>>();
  for (const [key, results] of groups) {
    const panel = PANEL_REPORTS[key.slice(0, key.indexOf('@')) as keyof typeof PANEL_REPORTS];
    const first = results[0]!;
    const issued =
      results
        .map((r) => r.issued ?? '')
        .sort()
        .at(-1) || first.issued;
    const sampleKey = `${panel.specimen}@${first.effectiveDateTime ?? ''}`;
    let specimenRef = samples.get(sampleKey);
    if (!specimenRef) {
      const specimen: Specimen = {
        resourceType: 'Specimen',
        id: context.nextId('Specimen'),
        meta: resourceMeta(context, Date.parse(first.effectiveDateTime ?? '')),
        status: 'available',
        type: SPECIMEN_TYPES[panel.specimen],
        subject: context.patient,
        ...(first.effectiveDateTime ? { collection: { collectedDateTime: first.effectiveDateTime } } : {}),
      };
      specimenRef = localReference<Specimen>('Specimen', specimen.id!);
      samples.set(sampleKey, specimenRef);
      added.push(specimen);
    }
    const conclusion = options.conclusions?.[key];
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: context.nextId('DiagnosticReport'),
      meta: resourceMeta(context, Date.parse(issued ?? '')),
      status: 'final',
      category: [coded(V2_0074, panel.section, SECTION_DISPLAY[panel.section])],
      code: panelConcept(panel),
      subject: context.patient,
      ...(first.encounter ? { encounter: first.encounter } : {}),
      ...(first.effectiveDateTime ? { effectiveDateTime: first.effectiveDateTime } : {}),
      ...(issued ? { issued } : {}),
      performer: [options.laboratory],
      specimen: [specimenRef],
      result: results.map((r) => localReference<Observation>('Observation', r.id!)),
      ...(conclusion ? { conclusion } : {}),
    };
    for (const result of results) specimenOf.set(result, specimenRef);
    added.push(report);
  }
  return [
    ...resources.map((r): Resource => {
      const specimen = isLab(r) ? specimenOf.get(r) : undefined;
      return specimen ? ({ ...r, specimen } as Observation) : r;
    }),
    ...added,
  ];
}
