const THO = 'http://terminology.hl7.org/CodeSystem';

/** HL7 code systems that STU3 published under hl7.org/fhir and R4 moved to terminology.hl7.org (same codes). */
const MOVED_CODE_SYSTEMS = [
  'condition-category',
  'condition-clinical',
  'condition-ver-status',
  'allergyintolerance-clinical',
  'allergyintolerance-verification',
  'observation-category',
  'medication-statement-category',
  'immunization-origin',
  'list-empty-reason',
  'diagnosis-role',
  'data-absent-reason',
  'organization-type',
  'practitioner-role',
  'location-physical-type',
  'contactentity-type',
  'list-order',
] as const;

/** Renamed as well as moved. */
const RENAMED_CODE_SYSTEMS: Readonly<Record<string, string>> = {
  'http://hl7.org/fhir/medication-request-category': `${THO}/medicationrequest-category`,
};

/** The R4 URI of an STU3 code system: v2 and v3 tables and the moved HL7 systems change, all others stay. */
export function r4CodeSystem(system: string): string {
  const renamed = RENAMED_CODE_SYSTEMS[system];
  if (renamed) return renamed;
  const v2 = /^http:\/\/hl7\.org\/fhir\/v2\/(\d{4})$/.exec(system);
  if (v2) return `${THO}/v2-${v2[1]}`;
  const v3 = /^http:\/\/hl7\.org\/fhir\/v3\/([A-Za-z]+)$/.exec(system);
  if (v3) return `${THO}/v3-${v3[1]}`;
  const hl7 = /^http:\/\/hl7\.org\/fhir\/([a-z-]+)$/.exec(system);
  if (hl7 && (MOVED_CODE_SYSTEMS as readonly string[]).includes(hl7[1]!)) return `${THO}/${hl7[1]}`;
  return system;
}

/** STU3 resource types that R4 renamed: references to them follow the conversion. */
const RENAMED_TYPES: Readonly<Record<string, string>> = {
  ReferralRequest: 'ServiceRequest',
  ProcedureRequest: 'ServiceRequest',
};

export function r4Reference(reference: string): string {
  return reference.replace(
    /(^|\/)(ReferralRequest|ProcedureRequest)\//,
    (_match, lead: string, type: string) => {
      return `${lead}${RENAMED_TYPES[type] ?? type}/`;
    },
  );
}

/**
 * A deep copy of an STU3 value with its codings' systems and its references in R4 form. Everything else — codes,
 * displays, text, quantities, dates — is copied unchanged.
 */
export function toR4Values(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toR4Values);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  // for…in, not Object.entries: no array of pairs for every object of every resource.
  for (const key in value) copy[key] = toR4Values((value as Record<string, unknown>)[key]);
  if (typeof copy.system === 'string' && 'code' in copy) copy.system = r4CodeSystem(copy.system);
  if (typeof copy.reference === 'string') copy.reference = r4Reference(copy.reference);
  return copy;
}
