import type { Resource } from '@medplum/fhirtypes';
import { convertAllergyIntolerance } from './allergy-intolerance';
import { convertCondition } from './condition';
import { convertDiagnosticReport } from './diagnostic-report';
import {
  convertLocation,
  convertOrganization,
  convertPractitioner,
  convertPractitionerRole,
} from './directory';
import { convertEncounter } from './encounter';
import { convertImmunization } from './immunization';
import { convertMedication } from './medication';
import { convertMedicationRequest } from './medication-request';
import { convertMedicationStatement } from './medication-statement';
import { convertObservation } from './observation';
import { convertPatient } from './patient';
import { convertReferralRequest } from './referral-request';
import { convertSpecimen } from './specimen';
import { asArray, isObject, type Converted, type Stu3Resource } from './stu3-resource';

type Converter = (source: Stu3Resource) => Converted;

/** The STU3 resource types the broker converts, and the R4 type each becomes. */
const CONVERTERS: Readonly<Record<string, Converter>> = {
  Patient: convertPatient,
  AllergyIntolerance: convertAllergyIntolerance,
  Condition: convertCondition,
  MedicationStatement: convertMedicationStatement,
  MedicationRequest: convertMedicationRequest,
  Medication: convertMedication,
  Observation: convertObservation,
  DiagnosticReport: convertDiagnosticReport,
  Specimen: convertSpecimen,
  Immunization: convertImmunization,
  Encounter: convertEncounter,
  ReferralRequest: convertReferralRequest,
  Practitioner: convertPractitioner,
  PractitionerRole: convertPractitionerRole,
  Organization: convertOrganization,
  Location: convertLocation,
};

export const CONVERTIBLE_STU3_TYPES = Object.keys(CONVERTERS);

/** The R4 resource type an STU3 resource becomes (ReferralRequest → ServiceRequest), if the broker converts it. */
export function r4TypeOf(stu3Type: string): string | undefined {
  if (!(stu3Type in CONVERTERS)) return undefined;
  return stu3Type === 'ReferralRequest' ? 'ServiceRequest' : stu3Type;
}

/**
 * One STU3 resource as R4, with the elements that had no R4 place. Contained resources are converted the same
 * way; one of a type the broker does not convert is reported as dropped. Returns undefined for such a type.
 */
export function convertStu3Resource(source: Stu3Resource): Converted | undefined {
  const converter = CONVERTERS[source.resourceType];
  if (!converter) return undefined;
  const { resource, dropped } = converter(source);
  const contained: Resource[] = [];
  const droppedAll = [...dropped];
  for (const inner of asArray(source.contained)) {
    if (!isObject(inner) || typeof inner.resourceType !== 'string') continue;
    const converted = convertStu3Resource(inner as unknown as Stu3Resource);
    if (converted) {
      contained.push(converted.resource);
      droppedAll.push(...converted.dropped);
    } else droppedAll.push(`${source.resourceType}.contained(${inner.resourceType})`);
  }
  return {
    resource: contained.length > 0 ? ({ ...resource, contained } as Resource) : resource,
    dropped: droppedAll,
  };
}
