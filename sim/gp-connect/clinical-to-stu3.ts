import type { AllergyIntolerance, Condition } from '@medplum/fhirtypes';
import { practitionerReference } from './practice-directory';
import { gpcMeta, statusCode, toStu3Values } from './stu3-values';

const PROBLEM_SIGNIFICANCE =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ProblemSignificance-1';

/** An allergy as GP Connect sends it (CareConnect-GPC-AllergyIntolerance-1): statuses as codes, assertedDate. */
export function allergyToStu3(allergy: AllergyIntolerance): object {
  const {
    meta,
    clinicalStatus,
    verificationStatus,
    recordedDate,
    recorder,
    encounter: _e,
    ...rest
  } = allergy;
  const recordedBy = practitionerReference(recorder);
  return {
    ...toStu3Values(rest),
    meta: gpcMeta(meta, 'CareConnect-GPC-AllergyIntolerance-1'),
    ...(clinicalStatus ? { clinicalStatus: statusCode(clinicalStatus) } : {}),
    ...(verificationStatus ? { verificationStatus: statusCode(verificationStatus) } : {}),
    ...(recordedDate ? { assertedDate: recordedDate } : {}),
    ...(recordedBy ? { recorder: recordedBy } : {}),
  };
}

/**
 * A problem as GP Connect sends it: a ProblemHeader Condition (CareConnect-GPC-ProblemHeader-Condition-1) with
 * its significance; active problems are major. (The practice's underlying clinical item, `actualProblem`, is not
 * simulated.)
 */
export function problemToStu3(condition: Condition): object {
  const {
    meta,
    clinicalStatus,
    verificationStatus,
    recordedDate,
    recorder,
    encounter,
    stage,
    asserter: _a,
    ...rest
  } = condition;
  const status = statusCode(clinicalStatus);
  const assertedBy = practitionerReference(recorder);
  return {
    ...toStu3Values(rest),
    meta: gpcMeta(meta, 'CareConnect-GPC-ProblemHeader-Condition-1'),
    extension: [{ url: PROBLEM_SIGNIFICANCE, valueCode: status === 'active' ? 'major' : 'minor' }],
    ...(status ? { clinicalStatus: status } : {}),
    ...(verificationStatus ? { verificationStatus: statusCode(verificationStatus) } : {}),
    ...(recordedDate ? { assertedDate: recordedDate } : {}),
    ...(assertedBy ? { asserter: assertedBy } : {}),
    ...(encounter ? { context: encounter } : {}),
    ...(stage?.[0]
      ? { stage: toStu3Values({ summary: stage[0].summary, assessment: stage[0].assessment }) }
      : {}),
  };
}
