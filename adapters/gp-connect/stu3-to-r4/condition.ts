import type { Condition } from '@medplum/fhirtypes';
import { statusConcept } from './allergy-intolerance';
import { toR4Values } from './r4-values';
import {
  asString,
  carryOver,
  stu3Extension,
  withExtensions,
  type Converted,
  type Stu3Resource,
} from './stu3-resource';

const THO = 'http://terminology.hl7.org/CodeSystem';

const SAME = [
  'identifier',
  'category',
  'severity',
  'code',
  'bodySite',
  'subject',
  'onsetDateTime',
  'onsetAge',
  'onsetPeriod',
  'onsetRange',
  'onsetString',
  'abatementDateTime',
  'abatementAge',
  'abatementPeriod',
  'abatementRange',
  'abatementString',
  'asserter',
  'evidence',
  'note',
] as const;

/** STU3 verification codes; `unknown` has no R4 code and is kept as an extension rather than recoded. */
const R4_VERIFICATION = ['provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'];

/**
 * STU3 Condition (GP Connect's ProblemHeader among them) → R4: statuses become CodeableConcepts, `context` is
 * `encounter`, `assertedDate` is `recordedDate`, `stage` becomes a list. GP Connect's problem extensions
 * (significance, actual problem, related problems) are carried unchanged.
 */
export function convertCondition(source: Stu3Resource): Converted<Condition> {
  const { kept, dropped } = carryOver(source, {
    same: SAME,
    handled: ['clinicalStatus', 'verificationStatus', 'context', 'assertedDate', 'abatementBoolean', 'stage'],
  });
  const verification = asString(source.verificationStatus);
  withExtensions(kept, [
    verification && !R4_VERIFICATION.includes(verification)
      ? stu3Extension('Condition.verificationStatus', { valueCode: verification })
      : undefined,
    typeof source.abatementBoolean === 'boolean'
      ? stu3Extension('Condition.abatement', { valueBoolean: source.abatementBoolean })
      : undefined,
  ]);
  const clinicalStatus = statusConcept(`${THO}/condition-clinical`, asString(source.clinicalStatus));
  const verificationStatus =
    verification && R4_VERIFICATION.includes(verification)
      ? statusConcept(`${THO}/condition-ver-status`, verification)
      : undefined;
  const resource = {
    resourceType: 'Condition',
    ...kept,
    ...(clinicalStatus ? { clinicalStatus } : {}),
    ...(verificationStatus ? { verificationStatus } : {}),
    ...(source.context ? { encounter: toR4Values(source.context) } : {}),
    ...(typeof source.assertedDate === 'string' ? { recordedDate: source.assertedDate } : {}),
    ...(source.stage ? { stage: [toR4Values(source.stage)] } : {}),
  } as Condition;
  return { resource, dropped };
}
