import type { Dosage, DosageDoseAndRate } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import { isObject } from './stu3-resource';

const SAME = [
  'id',
  'extension',
  'modifierExtension',
  'sequence',
  'text',
  'additionalInstruction',
  'patientInstruction',
  'timing',
  'asNeededBoolean',
  'asNeededCodeableConcept',
  'site',
  'route',
  'method',
  'maxDosePerPeriod',
  'maxDosePerAdministration',
  'maxDosePerLifetime',
] as const;

const DOSE = ['doseRange', 'doseQuantity', 'doseSimpleQuantity'] as const;
const RATE = ['rateRatio', 'rateRange', 'rateQuantity', 'rateSimpleQuantity'] as const;

/**
 * STU3 Dosage → R4: R4 moved dose[x] and rate[x] into `doseAndRate`; every other element kept its shape.
 * `dropped` names elements with no R4 place (prefixed with `at`).
 */
export function convertDosage(value: unknown, at: string): { dosage: Dosage; dropped: string[] } {
  if (!isObject(value)) return { dosage: {}, dropped: [at] };
  const dosage: Record<string, unknown> = {};
  const doseAndRate: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if ((SAME as readonly string[]).includes(key)) dosage[key] = toR4Values(inner);
    else if ((DOSE as readonly string[]).includes(key))
      doseAndRate[key === 'doseRange' ? 'doseRange' : 'doseQuantity'] = toR4Values(inner);
    else if ((RATE as readonly string[]).includes(key))
      doseAndRate[key === 'rateSimpleQuantity' ? 'rateQuantity' : key] = toR4Values(inner);
    else dropped.push(`${at}.${key}`);
  }
  if (Object.keys(doseAndRate).length > 0) dosage.doseAndRate = [doseAndRate as DosageDoseAndRate];
  return { dosage: dosage as Dosage, dropped };
}
