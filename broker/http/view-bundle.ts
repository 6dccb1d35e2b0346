import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { PatientView } from '../view/patient-view-service';

export interface ViewBundleOptions {
  /** The broker's FHIR base URL, for `fullUrl`s. */
  readonly baseUrl: string;
  /** The request's own URL, for the `self` link. */
  readonly selfUrl: string;
  readonly includePatient: boolean;
  readonly now: Date;
}

function entry(baseUrl: string, resource: Resource, mode: 'match' | 'include' | 'outcome'): BundleEntry {
  return {
    ...(resource.id ? { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}` } : {}),
    resource,
    search: { mode },
  };
}

/**
 * A view as a FHIR searchset: the patient (when asked for), every entry with its source, one
 * Provenance per source, and last the OperationOutcome with every source's status.
 */
export function viewBundle(view: PatientView, options: ViewBundleOptions): Bundle {
  const entries: BundleEntry[] = [];
  if (options.includePatient && view.patient) entries.push(entry(options.baseUrl, view.patient, 'match'));
  for (const { resource } of view.entries) entries.push(entry(options.baseUrl, resource, 'match'));
  if (entries.length > 0) {
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
