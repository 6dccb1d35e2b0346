import type { Encounter } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import { asArray, carryOver, isObject, type Converted, type Stu3Resource } from './stu3-resource';

const SAME = [
  'identifier',
  'status',
  'statusHistory',
  'classHistory',
  'type',
  'priority',
  'subject',
  'episodeOfCare',
  'participant',
  'period',
  'length',
  'account',
  'hospitalization',
  'location',
  'serviceProvider',
  'partOf',
] as const;

/**
 * STU3 Encounter (a GP Connect consultation) → R4: `reason` is `reasonCode`, `incomingReferral` is `basedOn`,
 * `appointment` becomes a list and a diagnosis's `role` is its `use`. R4 requires `class`; GP Connect does not
 * send one, so it is marked absent (data-absent-reason) rather than guessed.
 */
export function convertEncounter(source: Stu3Resource): Converted<Encounter> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['class', 'incomingReferral', 'appointment', 'reason', 'diagnosis'],
  });
  const diagnosis = asArray(source.diagnosis).map((item) => {
    if (!isObject(item)) return item;
    const { role, ...rest } = item;
    return { ...(toR4Values(rest) as object), ...(role ? { use: toR4Values(role) } : {}) };
  });
  const resource = {
    resourceType: 'Encounter',
    ...kept,
    class: source.class
      ? toR4Values(source.class)
      : {
          extension: [
            { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'not-asked' },
          ],
        },
    ...(source.incomingReferral ? { basedOn: asArray(toR4Values(source.incomingReferral)) } : {}),
    ...(source.appointment ? { appointment: asArray(toR4Values(source.appointment)) } : {}),
    ...(source.reason ? { reasonCode: toR4Values(source.reason) } : {}),
    ...(diagnosis.length > 0 ? { diagnosis } : {}),
  } as Encounter;
  return { resource, dropped };
}
