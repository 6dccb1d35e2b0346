import type { Extension, Immunization } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import {
  asArray,
  carryOver,
  isObject,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const DATA_ABSENT_UNKNOWN = {
  url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason',
  valueCode: 'unknown',
};

const SAME = [
  'identifier',
  'vaccineCode',
  'patient',
  'encounter',
  'primarySource',
  'reportOrigin',
  'location',
  'manufacturer',
  'lotNumber',
  'expirationDate',
  'site',
  'route',
  'doseQuantity',
  'note',
  'reaction',
] as const;

/**
 * STU3 Immunization → R4: `notGiven: true` is R4's status `not-done`, `date` is `occurrenceDateTime`,
 * practitioners are performers (role → function), the explanation's reasons are `reasonCode` / `statusReason`,
 * and vaccination protocols are `protocolApplied`. A protocol's description, dose status and its reason have
 * no R4 element and are kept as extensions on it.
 */
export function convertImmunization(source: Stu3Resource): Converted<Immunization> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['status', 'notGiven', 'date', 'practitioner', 'explanation', 'vaccinationProtocol'],
  });
  const explanation = isObject(source.explanation) ? source.explanation : {};
  const notGivenReasons = asArray(explanation.reasonNotGiven);
  withExtensions(
    kept,
    notGivenReasons.slice(1).map((reason) =>
      stu3Extension('Immunization.explanation.reasonNotGiven', {
        valueCodeableConcept: toR4Values(reason) as object,
      }),
    ),
  );
  const status = source.notGiven === true ? 'not-done' : source.status;
  const performer = asArray(source.practitioner).map((item) => {
    if (!isObject(item)) return item;
    const { role, ...rest } = item;
    return { ...(toR4Values(rest) as object), ...(role ? { function: toR4Values(role) } : {}) };
  });
  const protocolApplied = asArray(source.vaccinationProtocol).map(convertProtocol);
  const resource = {
    resourceType: 'Immunization',
    ...kept,
    ...(status !== undefined ? { status } : {}),
    ...(typeof source.date === 'string' ? { occurrenceDateTime: source.date } : {}),
    ...(performer.length > 0 ? { performer } : {}),
    ...(explanation.reason ? { reasonCode: toR4Values(explanation.reason) } : {}),
    ...(notGivenReasons[0] ? { statusReason: toR4Values(notGivenReasons[0]) } : {}),
    ...(protocolApplied.length > 0 ? { protocolApplied } : {}),
  } as Immunization;
  return { resource, dropped };
}

function convertProtocol(protocol: unknown): unknown {
  if (!isObject(protocol)) return protocol;
  const extensions: Extension[] = [];
  if (typeof protocol.description === 'string')
    extensions.push(
      stu3Extension('Immunization.vaccinationProtocol.description', { valueString: protocol.description }),
    );
  if (protocol.doseStatus)
    extensions.push(
      stu3Extension('Immunization.vaccinationProtocol.doseStatus', {
        valueCodeableConcept: toR4Values(protocol.doseStatus) as object,
      }),
    );
  if (protocol.doseStatusReason)
    extensions.push(
      stu3Extension('Immunization.vaccinationProtocol.doseStatusReason', {
        valueCodeableConcept: toR4Values(protocol.doseStatusReason) as object,
      }),
    );
  const existing = Array.isArray(protocol.extension) ? (toR4Values(protocol.extension) as Extension[]) : [];
  const all = [...existing, ...extensions];
  return {
    ...(all.length > 0 ? { extension: all } : {}),
    ...(protocol.series !== undefined ? { series: protocol.series } : {}),
    ...(protocol.authority ? { authority: toR4Values(protocol.authority) } : {}),
    ...(protocol.targetDisease ? { targetDisease: toR4Values(protocol.targetDisease) } : {}),
    // R4 requires a dose number; where STU3 had none, mark it absent rather than invent one.
    ...(typeof protocol.doseSequence === 'number'
      ? { doseNumberPositiveInt: protocol.doseSequence }
      : { _doseNumberString: { extension: [DATA_ABSENT_UNKNOWN] } }),
    ...(typeof protocol.seriesDoses === 'number' ? { seriesDosesPositiveInt: protocol.seriesDoses } : {}),
  };
}
