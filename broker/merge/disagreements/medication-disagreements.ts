import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../../core/source-contract';
import { dayOf } from '../grouping/clinical-time';
import { conceptKey } from '../grouping/code-key';
import { medicationConcept, type MedicationResolver } from '../grouping/grouping-key';
import { entryReference, type MergedEntry } from '../merged-entry';
import { conceptDisplay, listOf, sourceLabel, type Disagreement } from './disagreement';

const ENDED = new Set(['stopped', 'completed']);

interface MedicationRecord {
  readonly entry: MergedEntry;
  readonly display: string;
  readonly status: string;
  readonly start: string | null;
  readonly end: string | null;
}

function record(entry: MergedEntry, resolve: MedicationResolver): [string, MedicationRecord] | null {
  const resource = entry.resource;
  if (resource.resourceType !== 'MedicationStatement' && resource.resourceType !== 'MedicationRequest')
    return null;
  const medication = resource as MedicationStatement | MedicationRequest;
  const concept = medicationConcept(medication, resolve);
  const key = conceptKey(concept, ['sct']);
  if (key === null || !medication.status) return null;
  const statement = resource.resourceType === 'MedicationStatement' ? resource : undefined;
  const request = resource.resourceType === 'MedicationRequest' ? resource : undefined;
  const start = statement
    ? dayOf(statement.effectivePeriod?.start ?? statement.effectiveDateTime)
    : dayOf(request?.dispenseRequest?.validityPeriod?.start ?? request?.authoredOn);
  const end = dayOf(
    statement ? statement.effectivePeriod?.end : request?.dispenseRequest?.validityPeriod?.end,
  );
  return [key, { entry, display: conceptDisplay(concept), status: medication.status, start, end }];
}

/** An ended record contradicts an active one unless it ended before the active one started (a restart). */
function contradicts(active: MedicationRecord, ended: MedicationRecord): boolean {
  return !(ended.end !== null && active.start !== null && ended.end < active.start);
}

/**
 * One disagreement for each medication (by dm+d / SNOMED CT code, statements and requests alike) that
 * one source holds active while another holds stopped or completed.
 */
export function medicationDisagreements(
  entries: readonly MergedEntry[],
  sources: ReadonlyMap<string, SourceDescriptor>,
  resolve: MedicationResolver,
): Disagreement[] {
  const byCode = new Map<string, MedicationRecord[]>();
  for (const entry of entries) {
    const found = record(entry, resolve);
    if (!found) continue;
    const [key, medication] = found;
    byCode.set(key, [...(byCode.get(key) ?? []), medication]);
  }
  const label = (id: string): string => {
    const source = sources.get(id);
    return source ? sourceLabel(source) : id;
  };
  const disagreements: Disagreement[] = [];
  for (const records of byCode.values()) {
    const active = records.filter((r) => r.status === 'active');
    const ended = records.filter((r) => ENDED.has(r.status));
    const involved = new Set<MedicationRecord>();
    for (const a of active)
      for (const e of ended)
        if (a.entry.sourceId !== e.entry.sourceId && contradicts(a, e)) involved.add(a).add(e);
    if (involved.size === 0) continue;
    const ordered = [...involved].sort((a, b) => entries.indexOf(a.entry) - entries.indexOf(b.entry));
    const sides = new Set(ordered.map((r) => `${r.status} at ${label(r.entry.sourceId)}`));
    disagreements.push({
      kind: 'medication-status-disagreement',
      text: `Medication records disagree on ${ordered[0]!.display}: ${listOf([...sides])}.`,
      sourceIds: [...new Set(ordered.map((r) => r.entry.sourceId))],
      references: ordered.map((r) => entryReference(r.entry)),
    });
  }
  return disagreements;
}
