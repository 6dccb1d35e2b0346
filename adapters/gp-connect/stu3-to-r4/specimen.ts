import type { Specimen } from '@medplum/fhirtypes';
import { carryOver, type Converted, type Stu3Resource } from './stu3-resource';

const SAME = [
  'identifier',
  'accessionIdentifier',
  'status',
  'type',
  'subject',
  'receivedTime',
  'parent',
  'request',
  'collection',
  'processing',
  'container',
  'note',
] as const;

/**
 * STU3 Specimen (the sample a GP Connect test report was made on) → R4: the same elements. `request`
 * (a ProcedureRequest in STU3) follows the rename to ServiceRequest.
 */
export function convertSpecimen(source: Stu3Resource): Converted<Specimen> {
  const { kept, dropped } = carryOver(source, { same: SAME, handled: [] });
  return { resource: { resourceType: 'Specimen', ...kept } as Specimen, dropped };
}
