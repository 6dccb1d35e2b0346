import type { Extension, Patient } from '@medplum/fhirtypes';
import { CONFIDENTIALITY_SYSTEM, RESTRICTED_CONFIDENTIALITY, confidentialityCodes } from './confidentiality';

/**
 * What a restricted (S-flagged) patient's Patient resources lose: where the person lives and how to
 * reach them (address, telecom), where they are registered (generalPractitioner, and GP Connect's
 * managingOrganization, the registered practice), and their contacts (next of kin, whose address and
 * phone often are the patient's). This is what the Personal Demographics Service withholds for them:
 * the restriction exists to protect the location of people who may be at risk.
 */
export const RESTRICTED_PATIENT_ELEMENTS = [
  'address',
  'telecom',
  'generalPractitioner',
  'managingOrganization',
  'contact',
] as const;

/** Extensions that say where the patient is registered or collects medicines (UK Core, Care Connect). */
export const LOCATING_EXTENSIONS: ReadonlySet<string> = new Set([
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NominatedPharmacy',
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-PreferredDispenserOrganization',
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicalApplianceSupplier',
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-PreferredBranchSurgery',
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1',
]);

/** A Patient labelled v3-Confidentiality R: the person's record is restricted (S-flag). */
export function isRestrictedPatient(patient: Patient): boolean {
  return confidentialityCodes(patient).has('R');
}

/** The parts of a Patient a restricted view removes (to find what they referred to). */
export function restrictedParts(patient: Patient): unknown[] {
  return [
    ...RESTRICTED_PATIENT_ELEMENTS.map((element) => patient[element]),
    ...(patient.extension ?? []).filter((e) => LOCATING_EXTENSIONS.has(e.url)),
  ].filter((part) => part !== undefined);
}

/**
 * The Patient as a restricted view shows it: without contact details, registered practice or locating
 * extensions, and labelled restricted, so that whoever reads it (a peer broker too) knows why.
 */
export function restrictedPatient(patient: Patient): Patient {
  const copy: Patient = { ...patient };
  for (const element of RESTRICTED_PATIENT_ELEMENTS) delete copy[element];
  const extension: Extension[] = (patient.extension ?? []).filter((e) => !LOCATING_EXTENSIONS.has(e.url));
  if (extension.length > 0) copy.extension = extension;
  else delete copy.extension;
  const security = patient.meta?.security ?? [];
  const labelled = security.some((c) => c.system === CONFIDENTIALITY_SYSTEM && c.code === 'R');
  copy.meta = { ...patient.meta, security: labelled ? security : [...security, RESTRICTED_CONFIDENTIALITY] };
  return copy;
}
