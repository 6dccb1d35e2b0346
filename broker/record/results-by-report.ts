import type { DiagnosticReport, Observation, Resource } from '@medplum/fhirtypes';
import type { MergedEntry } from '../merge/merged-entry';
import { conceptText } from './fhir-text';

const refOf = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;

/** One result a report holds, and the test group (panel header) it sits in, if any. */
export interface ReportResultRef {
  readonly reference: string;
  readonly group?: string;
}

/**
 * Which Observations each DiagnosticReport of the view holds: its `result`s, a test group header's
 * `hasMember`s in its place (named by the header), each duplicate resolved to the representative shown.
 * An Observation is held by the first report that names it; one no report names stays a result on its own.
 */
export function reportResults(entries: readonly MergedEntry[]): {
  /** By report reference: the results it holds, in the report's order. */
  readonly held: Map<string, ReportResultRef[]>;
  /** Every Observation some report holds, test group headers included: not results on their own. */
  readonly claimed: Set<string>;
  /** By report reference: the test group headers folded into it (named on their results as `group`). */
  readonly headers: Map<string, string[]>;
} {
  const byRef = new Map(entries.map((e) => [refOf(e.resource), e]));
  const shown = (reference: string | undefined): Observation | undefined => {
    const entry = reference ? byRef.get(reference) : undefined;
    const lead = entry?.groupedUnder ? byRef.get(entry.groupedUnder) : entry;
    return lead?.resource.resourceType === 'Observation' ? lead.resource : undefined;
  };
  const claimed = new Set<string>();
  const held = new Map<string, ReportResultRef[]>();
  const headers = new Map<string, string[]>();
  for (const { resource, groupedUnder } of entries) {
    if (resource.resourceType !== 'DiagnosticReport' || groupedUnder) continue;
    const results: ReportResultRef[] = [];
    const claim = (observation: Observation | undefined, group?: string): void => {
      if (!observation || claimed.has(refOf(observation))) return;
      claimed.add(refOf(observation));
      results.push({ reference: refOf(observation), ...(group ? { group } : {}) });
    };
    for (const result of (resource as DiagnosticReport).result ?? []) {
      const observation = shown(result.reference);
      const members = observation?.hasMember ?? [];
      if (observation && members.length > 0 && isHeader(observation)) {
        claimed.add(refOf(observation));
        headers.set(refOf(resource), [...(headers.get(refOf(resource)) ?? []), refOf(observation)]);
        const group = conceptText(observation.code);
        for (const member of members) claim(shown(member.reference), group);
      } else claim(observation);
    }
    held.set(refOf(resource), results);
  }
  return { held, claimed, headers };
}

/** A test group header says which tests it groups and holds no value of its own. */
function isHeader(o: Observation): boolean {
  return (
    o.valueQuantity === undefined &&
    o.valueCodeableConcept === undefined &&
    o.valueString === undefined &&
    o.valueInteger === undefined &&
    o.valueBoolean === undefined &&
    !o.component?.length
  );
}
