import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { groupedRepresentative } from '../merge/grouping/grouped-representative';
import { entryReference, type MergedEntry } from '../merge/merged-entry';
import type { PatientView } from '../view/patient-view';

export interface ViewBundleOptions {
  /** The broker's FHIR base URL, for `fullUrl`s. */
  readonly baseUrl: string;
  /** The request's own URL, for the `self` link. */
  readonly selfUrl: string;
  readonly includePatient: boolean;
  readonly now: Date;
}

function entry(baseUrl: string, resource: Resource, mode: 'match' | 'include' | 'outcome'): BundleEntry {
  // Two literals rather than a spread of a conditional one: this runs for every entry of every view.
  return resource.id
    ? { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } }
    : { resource, search: { mode } };
}

/** An entry as a match: a group's representative carries references to its members. */
function shown(byReference: ReadonlyMap<string, MergedEntry>, e: MergedEntry): Resource {
  if (!e.duplicates?.length) return e.resource;
  const members = e.duplicates.flatMap((d) => byReference.get(d.reference) ?? []);
  return groupedRepresentative(e, members);
}

/**
 * A view as a FHIR searchset: the patient (when asked for), every fact once as a match (a group of
 * duplicates by its representative, which refers to the others), the other members of groups and what
 * the entries refer to as includes, one Provenance per source, and last the OperationOutcome with every
 * source's status and the sources' disagreements. `total` counts facts, not copies.
 */
export function viewBundle(view: PatientView, options: ViewBundleOptions): Bundle {
  const entries: BundleEntry[] = [];
  const byReference = new Map(view.entries.map((e) => [entryReference(e), e]));
  if (options.includePatient && view.patient) entries.push(entry(options.baseUrl, view.patient, 'match'));
  for (const e of view.entries) {
    if (!e.groupedUnder) entries.push(entry(options.baseUrl, shown(byReference, e), 'match'));
  }
  if (entries.length > 0) {
    for (const e of view.entries)
      if (e.groupedUnder) entries.push(entry(options.baseUrl, e.resource, 'include'));
    for (const { resource } of view.included) entries.push(entry(options.baseUrl, resource, 'include'));
    for (const provenance of view.provenance) entries.push(entry(options.baseUrl, provenance, 'include'));
  }
  const total = entries.filter((e) => e.search?.mode === 'match').length;
  entries.push(entry(options.baseUrl, view.outcome, 'outcome'));
  return {
    resourceType: 'Bundle',
    id: view.queryId,
    meta: { lastUpdated: options.now.toISOString() },
    type: 'searchset',
    timestamp: options.now.toISOString(),
    total,
    link: [{ relation: 'self', url: options.selfUrl }],
    entry: entries,
  };
}
