import type { Observation, Quantity, Resource } from '@medplum/fhirtypes';
import type { ItemSource, RecordItem } from '../broker/record/record-types';

/** One point of a trend: the value as the source gave it, its date and source. */
export interface TrendPoint {
  readonly date: string;
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly x: number;
  readonly y: number;
}

/** A repeated numeric result over time, with the chart's geometry computed here (numbers only). */
export interface Trend {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly points: readonly TrendPoint[];
  /** The polyline's points attribute: "x,y x,y …". */
  readonly line: string;
  /** The reference range as a band, when the latest result gave one in the same unit. */
  readonly band?: { readonly y: number; readonly height: number; readonly text: string };
  readonly latest: TrendPoint;
  readonly first: TrendPoint;
}

export const CHART = { width: 300, height: 80, pad: 6 } as const;

interface Sample {
  readonly name: string;
  readonly key: string;
  readonly date: string;
  readonly quantity: Quantity;
  readonly low?: Quantity;
  readonly high?: Quantity;
  readonly source: ItemSource;
}

const unitOf = (q: Quantity | undefined): string => q?.unit ?? q?.code ?? '';
const codeKey = (o: Pick<Observation, 'code'>): string | undefined => {
  const coding = o.code?.coding?.find((c) => c.code);
  return coding ? `${coding.system ?? ''}|${coding.code}` : o.code?.text;
};
const codeName = (o: Pick<Observation, 'code'>): string =>
  o.code?.text ?? o.code?.coding?.find((c) => c.display)?.display ?? 'Result';

/** The numeric values of an observation: its own quantity, or each component's (a blood pressure's two). */
function samplesOf(observation: Observation, source: ItemSource): Sample[] {
  const date = observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.issued;
  const key = codeKey(observation);
  if (!date || !key) return [];
  const range = observation.referenceRange?.[0];
  const samples: Sample[] = [];
  if (typeof observation.valueQuantity?.value === 'number') {
    samples.push({
      name: codeName(observation),
      key,
      date,
      quantity: observation.valueQuantity,
      ...(range?.low ? { low: range.low } : {}),
      ...(range?.high ? { high: range.high } : {}),
      source,
    });
  }
  for (const component of observation.component ?? []) {
    const componentKey = codeKey(component);
    if (typeof component.valueQuantity?.value !== 'number' || !componentKey) continue;
    const componentRange = component.referenceRange?.[0];
    samples.push({
      name: `${codeName(observation)}: ${codeName(component)}`,
      key: `${key}/${componentKey}`,
      date,
      quantity: component.valueQuantity,
      ...(componentRange?.low ? { low: componentRange.low } : {}),
      ...(componentRange?.high ? { high: componentRange.high } : {}),
      source,
    });
  }
  return samples;
}

/**
 * Trends of the results section: every test with at least two numeric values in one unit, oldest to
 * newest, scaled into a small chart with its reference range. Values are the sources' own; a value in
 * another unit is left out of the chart (it stays in the list), never converted.
 */
export function resultTrends(
  items: readonly RecordItem[],
  resolve: (reference: string) => Resource | undefined,
): Trend[] {
  const groups = new Map<string, Sample[]>();
  // Results filed under a DiagnosticReport are charted with the rest of their test's values.
  const results = items.flatMap((item) => [item, ...(item.report?.results ?? [])]);
  for (const item of results) {
    const resource = resolve(item.reference);
    if (resource?.resourceType !== 'Observation' || !item.sources[0]) continue;
    for (const sample of samplesOf(resource, item.sources[0])) {
      const group = groups.get(sample.key) ?? [];
      group.push(sample);
      groups.set(sample.key, group);
    }
  }
  const trends: Trend[] = [];
  let index = 0;
  for (const samples of groups.values()) {
    const unit = unitOf(samples[0]!.quantity);
    const usable = samples
      .filter((s) => unitOf(s.quantity) === unit)
      .sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    if (usable.length < 2) continue;
    trends.push(chart(`trend-${++index}`, usable, unit));
  }
  return trends.sort((a, b) => a.name.localeCompare(b.name));
}

function chart(id: string, samples: readonly Sample[], unit: string): Trend {
  const latest = samples.at(-1)!;
  const low = unitOf(latest.low) === unit ? latest.low?.value : undefined;
  const high = unitOf(latest.high) === unit ? latest.high?.value : undefined;
  const values = samples.map((s) => s.quantity.value!);
  const min = Math.min(...values, ...(low !== undefined ? [low] : []));
  const max = Math.max(...values, ...(high !== undefined ? [high] : []));
  const span = max - min || 1;
  const times = samples.map((s) => Date.parse(s.date));
  const t0 = times[0]!;
  const tSpan = times.at(-1)! - t0 || 1;
  const { width, height, pad } = CHART;
  const xOf = (t: number): number => round(pad + ((t - t0) / tSpan) * (width - 2 * pad));
  const yOf = (v: number): number => round(pad + (1 - (v - min) / span) * (height - 2 * pad));
  const points = samples.map((s, i) => ({
    date: s.date,
    value: s.quantity.value!,
    unit,
    source: s.source.name,
    x: xOf(times[i]!),
    y: yOf(s.quantity.value!),
  }));
  const bandTop = yOf(high ?? max);
  const bandBottom = yOf(low ?? min);
  return {
    id,
    name: latest.name,
    unit,
    points,
    line: points.map((p) => `${p.x},${p.y}`).join(' '),
    ...(low !== undefined || high !== undefined
      ? {
          band: {
            y: bandTop,
            height: Math.max(1, round(bandBottom - bandTop)),
            text: `${low ?? ''}–${high ?? ''} ${unit}`.trim(),
          },
        }
      : {}),
    latest: points.at(-1)!,
    first: points[0]!,
  };
}

const round = (n: number): number => Math.round(n * 10) / 10;
