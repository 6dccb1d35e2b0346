import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { convertDosage } from './dosage';
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

const SAME = [
  'identifier',
  'basedOn',
  'groupIdentifier',
  'status',
  'intent',
  'priority',
  'medicationCodeableConcept',
  'medicationReference',
  'subject',
  'supportingInformation',
  'authoredOn',
  'recorder',
  'reasonCode',
  'reasonReference',
  'note',
  'dispenseRequest',
  'priorPrescription',
  'detectedIssue',
  'eventHistory',
] as const;

/**
 * STU3 MedicationRequest (GP Connect's authorisations, intent `plan`, and issues, intent `order`) → R4:
 * `requester.agent` is the requester (`onBehalfOf` is kept as an extension), `context` is `encounter`,
 * `category` becomes a list, dosage instructions move dose and rate into `doseAndRate`, and
 * `substitution.allowed` is `allowedBoolean`. GP Connect's extensions (prescription type, repeat information,
 * status reason) are carried unchanged.
 */
export function convertMedicationRequest(source: Stu3Resource): Converted<MedicationRequest> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['definition', 'category', 'context', 'requester', 'dosageInstruction', 'substitution'],
  });
  const requester = isObject(source.requester) ? source.requester : undefined;
  withExtensions(kept, [
    requester?.onBehalfOf
      ? stu3Extension('MedicationRequest.requester.onBehalfOf', {
          valueReference: toR4Values(requester.onBehalfOf) as object,
        })
      : undefined,
    ...asArray(source.definition).map((definition) =>
      stu3Extension('MedicationRequest.definition', { valueReference: toR4Values(definition) as object }),
    ),
  ]);
  const dosageInstruction: Dosage[] = [];
  asArray(source.dosageInstruction).forEach((item) => {
    const converted = convertDosage(item, 'MedicationRequest.dosageInstruction');
    dosageInstruction.push(converted.dosage);
    dropped.push(...converted.dropped);
  });
  const substitution = isObject(source.substitution) ? source.substitution : undefined;
  const resource = {
    resourceType: 'MedicationRequest',
    ...kept,
    ...(source.category ? { category: asArray(toR4Values(source.category)) } : {}),
    ...(source.context ? { encounter: toR4Values(source.context) } : {}),
    ...(requester?.agent ? { requester: toR4Values(requester.agent) } : {}),
    ...(dosageInstruction.length > 0 ? { dosageInstruction } : {}),
    ...(substitution
      ? {
          substitution: {
            ...(substitution.extension ? { extension: toR4Values(substitution.extension) } : {}),
            ...(typeof substitution.allowed === 'boolean' ? { allowedBoolean: substitution.allowed } : {}),
            ...(substitution.reason ? { reason: toR4Values(substitution.reason) } : {}),
          },
        }
      : {}),
  } as MedicationRequest;
  return { resource, dropped };
}
