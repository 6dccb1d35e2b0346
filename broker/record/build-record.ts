import type { Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../core/source-contract';
import { isRecordResourceType, type RecordResourceType } from '../../core/fhir/resource-types';
import type { MergedEntry } from '../merge/merged-entry';
import type { PatientView } from '../view/patient-view';
import { readBanner } from './banner';
import { recordDisagreements } from './record-disagreements';
import { readContacts } from './read-contacts';
import { readResource } from './read-resource';
import type { ReaderContext } from './reader-context';
import type { ItemSource, PatientRecord, RecordItem, RecordSection } from './record-types';
import { SECTION_IDS, SECTION_OF_TYPE, SECTION_TITLES, type SectionId } from './sections';
import { newestFirst } from './newest-first';
import { sourceStatuses } from './source-statuses';
import { withReport } from './read-diagnostic-report';
import { resultSeries } from './result-series';
import { emergencyItems } from './emergency-items';
import { reportResults } from './results-by-report';

export interface BuildRecordInput {
  readonly nhsNumber: string;
  readonly view: PatientView;
  /** Every configured source, for the names and ODS codes items and statuses show. */
  readonly sources: readonly SourceDescriptor[];
  readonly now: Date;
}

const refOf = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;

/**
 * The viewer's record: the banner, the ten sections (every entry of the view in exactly one, a
 * duplicate group once under its representative), every source's status and the withheld counts.
 * Every text comes from the sources' resources; nothing is invented, a missing field is omitted.
 */
export function buildRecord(input: BuildRecordInput): PatientRecord {
  const { view, now } = input;
  const byRef = new Map<string, Resource>();
  for (const { resource } of [...view.entries, ...view.included]) byRef.set(refOf(resource), resource);
  if (view.patient) byRef.set(refOf(view.patient), view.patient);
  const ctx: ReaderContext = { resolve: (ref) => (ref ? byRef.get(ref) : undefined), now };
  const describe = sourceLookup(input.sources);

  const items = new Map<SectionId, RecordItem[]>(SECTION_IDS.map((id) => [id, []]));
  const alerts: RecordItem[] = [];
  const folded = foldedAuthorisations(view.entries);
  const { held, claimed, headers } = reportResults(view.entries);
  const built: { item: RecordItem; resource: Resource }[] = [];
  for (const entry of view.entries) {
    const { resource } = entry;
    if (entry.groupedUnder || folded.has(refOf(resource)) || !isRecordResourceType(resource.resourceType))
      continue;
    const content = readResource(resource, ctx);
    if (!content) continue;
    const related = relatedAuthorisations(resource, folded);
    const item: RecordItem = {
      ...content,
      reference: refOf(resource),
      sources: uniqueSources([entry.sourceId, ...(entry.duplicates ?? []).map((d) => d.sourceId)], describe),
      ...(entry.duplicates?.length ? { duplicates: entry.duplicates.map((d) => d.reference) } : {}),
      ...(related.length ? { related } : {}),
    };
    built.push({ item, resource });
  }
  const itemOf = new Map(built.map(({ item }) => [item.reference, item]));
  for (const { item, resource } of built) {
    // A result a report holds is shown under the report, not again on its own.
    if (claimed.has(item.reference)) continue;
    if (resource.resourceType === 'Flag') alerts.push(item);
    else if (resource.resourceType === 'DiagnosticReport')
      items
        .get('results')!
        .push(
          withReport(
            { ...item, ...related(item, headers.get(item.reference)) },
            resource,
            held.get(item.reference) ?? [],
            itemOf,
            ctx,
          ),
        );
    else items.get(SECTION_OF_TYPE[resource.resourceType as RecordResourceType])!.push(item);
  }
  const series = resultSeries(
    built.flatMap(({ item, resource }) =>
      resource.resourceType === 'Observation' ? [{ item, observation: resource }] : [],
    ),
  );
  if (view.patient) {
    const patientSource = representativeSource(view.patient, input.sources, view);
    for (const content of readContacts(view.patient)) {
      items.get('contacts')!.push({
        ...content,
        reference: refOf(view.patient),
        sources: patientSource ? uniqueSources([patientSource], describe) : [],
      });
    }
  }

  const sections: RecordSection[] = SECTION_IDS.map((id) => ({
    id,
    title: SECTION_TITLES[id],
    items: newestFirst(items.get(id)!),
    ...(id === 'medications' ? { alerts: newestFirst(alerts) } : {}),
    ...(id === 'results' ? { series } : {}),
  }));
  return {
    emergency: emergencyItems(built, ctx),
    patient: readBanner({
      nhsNumber: view.currentNhsNumber ?? input.nhsNumber,
      patient: view.patient,
      outcome: view.outcome,
      resolve: ctx.resolve,
      ...(view.identity ? { identity: view.identity } : {}),
    }),
    sections,
    disagreements: recordDisagreements(view, describe),
    sources: sourceStatuses({ sources: input.sources, outcomes: view.outcomes, outcome: view.outcome }),
    withheld: {
      otherPatient: view.counts.otherPatient,
      excludedSources: view.incidents.filter((i) => i.kind === 'demographic-mismatch').length,
      excludedItems: view.counts.excludedSource,
      beforeSince: view.counts.beforeSince,
      sensitive: view.counts.withheldSensitive,
    },
    generatedAt: now.toISOString(),
    queryId: view.queryId,
  };
}

/** A report's test group headers are folded into its item, as a statement's authorisation is. */
function related(item: RecordItem, folded: readonly string[] | undefined): Pick<RecordItem, 'related'> {
  return folded?.length ? { related: [...(item.related ?? []), ...folded] } : {};
}

function sourceLookup(sources: readonly SourceDescriptor[]): (id: string) => ItemSource {
  const byId = new Map(sources.map((s) => [s.id, { id: s.id, name: s.name, odsCode: s.odsCode }]));
  return (id) => byId.get(id) ?? { id, name: id, odsCode: '' };
}

function uniqueSources(ids: readonly string[], describe: (id: string) => ItemSource): ItemSource[] {
  return [...new Set(ids)].map(describe);
}

/**
 * GP systems record a medication as a statement plus the authorisation (MedicationRequest, intent
 * plan) it is based on. Showing both would list every GP medication twice, so an authorisation that a
 * statement in the view is based on is folded into that statement's item (`related`), unless it
 * heads a duplicate group of its own.
 */
function foldedAuthorisations(entries: readonly MergedEntry[]): Set<string> {
  const requests = new Map(
    entries
      .filter(
        (e) => e.resource.resourceType === 'MedicationRequest' && !e.groupedUnder && !e.duplicates?.length,
      )
      .map((e) => [refOf(e.resource), e]),
  );
  const folded = new Set<string>();
  for (const { resource, groupedUnder } of entries) {
    if (resource.resourceType !== 'MedicationStatement' || groupedUnder) continue;
    for (const basedOn of resource.basedOn ?? [])
      if (basedOn.reference && requests.has(basedOn.reference)) folded.add(basedOn.reference);
  }
  return folded;
}

function relatedAuthorisations(resource: Resource, folded: ReadonlySet<string>): string[] {
  if (resource.resourceType !== 'MedicationStatement') return [];
  return (resource.basedOn ?? []).flatMap((b) =>
    b.reference && folded.has(b.reference) ? [b.reference] : [],
  );
}

/** The source whose demographics the merged Patient shows: named by its `meta.source`, else the first that answered. */
function representativeSource(
  patient: Resource,
  sources: readonly SourceDescriptor[],
  view: PatientView,
): string | undefined {
  const origin = patient.meta?.source;
  const named = sources.find((s) => origin?.startsWith(`${s.baseUrl}/Patient/`));
  return named?.id ?? view.outcomes.find((o) => o.status === 'ok')?.sourceId;
}
