import type { Observation } from '@medplum/fhirtypes';
import { conceptKey } from '../merge/grouping/code-key';
import type { RecordItem, ResultSeries } from './record-types';
import { conceptText } from './fhir-text';

/**
 * Each numeric test measured more than once, as a series a viewer can chart: the value and unit as
 * the source gave them, its reference range and abnormal flag, oldest first. A test is the same test
 * by its LOINC or SNOMED CT code and its unit (values in different units are different series; none
 * is converted). Duplicates are already folded: only the items shown count.
 */
export function resultSeries(
  shown: readonly { readonly item: RecordItem; readonly observation: Observation }[],
): ResultSeries[] {
  const bySeries = new Map<
    string,
    { title: string; unit: string; points: ResultSeries['points'][number][]; range?: string }
  >();
  for (const { item, observation } of shown) {
    const quantity = observation.valueQuantity;
    const when = item.date;
    if (quantity?.value === undefined || !when) continue;
    const code = conceptKey(observation.code, ['loinc', 'sct'], { anySystem: true });
    const unit = quantity.code ?? quantity.unit ?? '';
    if (code === null) continue;
    const key = `${code}|${unit}`;
    const series = bySeries.get(key) ?? {
      title: conceptText(observation.code) ?? code,
      unit: quantity.unit ?? unit,
      points: [],
    };
    series.points.push({
      date: when,
      value: quantity.value,
      ...(quantity.comparator ? { comparator: quantity.comparator } : {}),
      ...(item.result?.range ? { range: item.result.range } : {}),
      ...(item.result?.flag ? { flag: item.result.flag } : {}),
      reference: item.reference,
    });
    bySeries.set(key, series);
  }
  return [...bySeries.entries()]
    .filter(([, s]) => s.points.length > 1)
    .map(([key, s]) => ({
      key,
      title: s.title,
      ...(s.unit ? { unit: s.unit } : {}),
      points: [...s.points].sort((a, b) => Date.parse(a.date) - Date.parse(b.date)),
    }))
    .sort((a, b) => a.title.localeCompare(b.title));
}
