import type { Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import {
  conceptText,
  joinParts,
  nonEmpty,
  notesText,
  optional,
  periodStart,
  quantityText,
  rangeText,
} from './fhir-text';
import type { ItemContent, ResultValue } from './record-types';

type ValueBearing = Pick<
  Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueInteger'
  | 'valueBoolean'
  | 'valueRange'
  | 'valueDateTime'
>;

function valueText(o: ValueBearing): string | undefined {
  if (o.valueQuantity) return quantityText(o.valueQuantity);
  if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept);
  if (o.valueInteger !== undefined) return String(o.valueInteger);
  if (o.valueBoolean !== undefined) return String(o.valueBoolean);
  if (o.valueRange) return rangeText(o.valueRange);
  return nonEmpty(o.valueString) ?? nonEmpty(o.valueDateTime);
}

/** The value, and each component as "name: value" (a blood pressure's systolic and diastolic). */
function observedText(observation: Observation): string | undefined {
  const components = (observation.component ?? []).map((c) => {
    const value = valueText(c);
    const name = conceptText(c.code);
    return value && name ? `${name}: ${value}` : value;
  });
  return joinParts([valueText(observation), joinParts(components, '; ')]);
}

function rangeOf(range: ObservationReferenceRange | undefined): string | undefined {
  return nonEmpty(range?.text) ?? rangeText({ low: range?.low, high: range?.high });
}

const sameUnit = (a: Quantity, b: Quantity | undefined): boolean =>
  b === undefined || (a.code ?? a.unit) === (b.code ?? b.unit);

/**
 * The abnormal flag: the source's interpretation code when it gave one (nothing when it says normal),
 * else H or L when a plain numeric value lies outside a reference range in the same unit.
 */
export function abnormalFlag(observation: Observation): Pick<ResultValue, 'flag' | 'flagBasis'> {
  const interpretation = observation.interpretation?.flatMap((i) => i.coding ?? []).find((c) => c.code);
  if (interpretation?.code) {
    return interpretation.code === 'N' ? {} : { flag: interpretation.code, flagBasis: 'interpretation' };
  }
  const value = observation.valueQuantity;
  const range = observation.referenceRange?.[0];
  if (value?.value === undefined || value.comparator || !range) return {};
  const { low, high } = range;
  if (!sameUnit(value, low) || !sameUnit(value, high)) return {};
  if (high?.value !== undefined && value.value > high.value) return { flag: 'H', flagBasis: 'range' };
  if (low?.value !== undefined && value.value < low.value) return { flag: 'L', flagBasis: 'range' };
  return {};
}

/** A test result or observation: value with unit, reference range and abnormal flag where the source has them. */
export function readObservation(observation: Observation): ItemContent {
  const value = observedText(observation);
  const range = rangeOf(observation.referenceRange?.[0]);
  const flag = abnormalFlag(observation);
  const result: ResultValue | undefined = value ? { value, ...optional('range', range), ...flag } : undefined;
  return {
    ...optional(
      'date',
      observation.effectiveDateTime ??
        periodStart(observation.effectivePeriod) ??
        observation.effectiveInstant ??
        observation.issued,
    ),
    ...optional('title', conceptText(observation.code)),
    ...optional(
      'detail',
      joinParts([
        value && flag.flag ? `${value} (${flag.flag})` : value,
        range ? `Range ${range}` : undefined,
        notesText(observation.note),
      ]),
    ),
    ...optional('status', observation.status),
    ...(result ? { result } : {}),
  };
}
