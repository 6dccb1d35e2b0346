import type { Dosage, MedicationStatement } from '@medplum/fhirtypes';
import { convertDosage } from './dosage';
import { toR4Values } from './r4-values';
import {
  asArray,
  asString,
  carryOver,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const SAME = [
  'identifier',
  'basedOn',
  'partOf',
  'context',
  'status',
  'category',
  'medicationCodeableConcept',
  'medicationReference',
  'effectiveDateTime',
  'effectivePeriod',
  'dateAsserted',
  'informationSource',
  'subject',
  'derivedFrom',
  'reasonCode',
  'reasonReference',
  'note',
] as const;

/**
 * STU3 MedicationStatement → R4: `reasonNotTaken` is `statusReason`, dosages move dose and rate into
 * `doseAndRate`. `taken` (GP Connect always sends `unk`) has no R4 element and is kept as the HL7
 * cross-version extension; the status is never changed. GP Connect's extensions (last issue date,
 * prescribing agency) are carried unchanged.
 */
export function convertMedicationStatement(source: Stu3Resource): Converted<MedicationStatement> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['taken', 'reasonNotTaken', 'dosage'],
  });
  const taken = asString(source.taken);
  withExtensions(kept, [
    taken ? stu3Extension('MedicationStatement.taken', { valueCode: taken }) : undefined,
  ]);
  const dosage: Dosage[] = [];
  asArray(source.dosage).forEach((item) => {
    const converted = convertDosage(item, 'MedicationStatement.dosage');
    dosage.push(converted.dosage);
    dropped.push(...converted.dropped);
  });
  const resource = {
    resourceType: 'MedicationStatement',
    ...kept,
    ...(source.reasonNotTaken ? { statusReason: toR4Values(source.reasonNotTaken) } : {}),
    ...(dosage.length > 0 ? { dosage } : {}),
  } as MedicationStatement;
  return { resource, dropped };
}
