import type { Extension, Observation } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';
import {
  asArray,
  asString,
  carryOver,
  isObject,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const VALUES = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

const SAME = [
  'identifier',
  'basedOn',
  'status',
  'category',
  'code',
  'subject',
  'effectiveDateTime',
  'effectivePeriod',
  'issued',
  'performer',
  ...VALUES,
  'dataAbsentReason',
  'bodySite',
  'method',
  'specimen',
  'device',
  'referenceRange',
] as const;

/**
 * STU3 Observation (GP Connect's uncategorised data, test results, test groups and consultation narrative) →
 * R4: `context` is `encounter`, `interpretation` becomes a list, `comment` becomes a note, and `related` links
 * become `hasMember` / `derivedFrom`; the other link types and `valueAttachment` have no R4 element and are kept
 * as extensions.
 */
export function convertObservation(source: Stu3Resource): Converted<Observation> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['context', 'interpretation', 'comment', 'related', 'component', 'valueAttachment'],
  });
  const hasMember: unknown[] = [];
  const derivedFrom: unknown[] = [];
  const otherLinks: Extension[] = [];
  for (const related of asArray(source.related)) {
    if (!isObject(related)) continue;
    const type = asString(related.type);
    const target = toR4Values(related.target);
    if (type === 'has-member') hasMember.push(target);
    else if (type === 'derived-from') derivedFrom.push(target);
    else
      otherLinks.push(
        stu3Extension('Observation.related', {
          extension: [
            ...(type ? [{ url: 'type', valueCode: type }] : []),
            { url: 'target', valueReference: target as object },
          ],
        }),
      );
  }
  withExtensions(kept, [
    ...otherLinks,
    source.valueAttachment
      ? stu3Extension('Observation.value', { valueAttachment: toR4Values(source.valueAttachment) as object })
      : undefined,
  ]);
  const comment = asString(source.comment);
  const resource = {
    resourceType: 'Observation',
    ...kept,
    ...(source.context ? { encounter: toR4Values(source.context) } : {}),
    ...(source.interpretation ? { interpretation: asArray(toR4Values(source.interpretation)) } : {}),
    ...(comment !== undefined ? { note: [{ text: comment }] } : {}),
    ...(hasMember.length > 0 ? { hasMember } : {}),
    ...(derivedFrom.length > 0 ? { derivedFrom } : {}),
    ...(source.component ? { component: asArray(source.component).map(convertComponent) } : {}),
  } as Observation;
  return { resource, dropped };
}

function convertComponent(component: unknown): unknown {
  if (!isObject(component)) return component;
  const { interpretation, ...rest } = component;
  return {
    ...(toR4Values(rest) as object),
    ...(interpretation ? { interpretation: asArray(toR4Values(interpretation)) } : {}),
  };
}
