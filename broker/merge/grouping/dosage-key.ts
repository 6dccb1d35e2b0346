import type { Dosage, Quantity } from '@medplum/fhirtypes';
import { codeFamily } from './code-key';

/** Value, comparator and unit (UCUM or SNOMED code when given, else the unit text) of a quantity. */
export function quantityKey(quantity: Quantity | undefined): string | null {
  if (quantity?.value === undefined) return null;
  const family = codeFamily(quantity.system);
  const unit = quantity.code
    ? `${family ?? quantity.system ?? ''}|${quantity.code}`
    : (quantity.unit?.trim().toLowerCase() ?? '');
  return `${quantity.comparator ?? ''}${Number(quantity.value)} ${unit}`;
}

function structuredKey(dosage: Dosage): string | null {
  const dose = quantityKey(dosage.doseAndRate?.[0]?.doseQuantity);
  if (dose === null) return null;
  const repeat = dosage.timing?.repeat;
  const timing = repeat
    ? `${repeat.frequency ?? ''}/${repeat.period ?? ''}${repeat.periodUnit ?? ''}@${[...(repeat.when ?? [])].sort().join(',')}`
    : (dosage.timing?.code?.coding?.[0]?.code ?? '');
  const prn = dosage.asNeededBoolean || dosage.asNeededCodeableConcept ? 'prn' : '';
  return `q:${dose};t:${timing};${prn}`;
}

function textKey(dosage: Dosage): string | null {
  const text = dosage.text?.trim().toLowerCase().replace(/\s+/g, ' ');
  return text ? `x:${text}` : null;
}

/**
 * What a medication's instructions say about dose, as one comparable string: the structured dose
 * (quantity, unit, timing, when required) where every instruction has one, else the dosage text
 * (case and spacing ignored). Null when an instruction has neither: then the dose is unknown and
 * two records cannot be said to agree on it.
 */
export function dosageKey(dosages: readonly Dosage[] | undefined): string | null {
  if (!dosages || dosages.length === 0) return null;
  const structured = dosages.map(structuredKey);
  if (structured.every((key) => key !== null)) return structured.join(' + ');
  const text = dosages.map(textKey);
  return text.every((key) => key !== null) ? text.join(' + ') : null;
}
