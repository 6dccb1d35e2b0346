import type { Medication } from '@medplum/fhirtypes';
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

const SAME = ['code', 'status', 'manufacturer', 'form'] as const;

/**
 * STU3 Medication → R4: ingredient `amount` is `strength`; the first package batch is `batch`. `isBrand`,
 * `isOverTheCounter` and the package container have no R4 element and are kept as extensions; package content
 * and images (non-clinical) are reported as dropped.
 */
export function convertMedication(source: Stu3Resource): Converted<Medication> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['isBrand', 'isOverTheCounter', 'ingredient', 'package', 'image'],
  });
  const pack = isObject(source.package) ? source.package : undefined;
  const batches = asArray(pack?.batch);
  withExtensions(kept, [
    typeof source.isBrand === 'boolean'
      ? stu3Extension('Medication.isBrand', { valueBoolean: source.isBrand })
      : undefined,
    typeof source.isOverTheCounter === 'boolean'
      ? stu3Extension('Medication.isOverTheCounter', { valueBoolean: source.isOverTheCounter })
      : undefined,
    pack?.container
      ? stu3Extension('Medication.package.container', {
          valueCodeableConcept: toR4Values(pack.container) as object,
        })
      : undefined,
  ]);
  if (pack?.content) dropped.push('Medication.package.content');
  if (batches.length > 1) dropped.push('Medication.package.batch');
  if (source.image) dropped.push('Medication.image');
  const ingredient = asArray(source.ingredient).map((item) => {
    if (!isObject(item)) return item;
    const { amount, ...rest } = item;
    return { ...(toR4Values(rest) as object), ...(amount ? { strength: toR4Values(amount) } : {}) };
  });
  const resource = {
    resourceType: 'Medication',
    ...kept,
    ...(ingredient.length > 0 ? { ingredient } : {}),
    ...(batches[0] ? { batch: toR4Values(batches[0]) } : {}),
  } as Medication;
  return { resource, dropped };
}
