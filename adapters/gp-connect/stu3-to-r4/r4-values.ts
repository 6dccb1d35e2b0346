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

const MOVED = new Set<string>(MOVED_CODE_SYSTEMS);
const STU3_BASE = 'http://hl7.org/fhir/';
const V2_TABLE = /^\d{4}$/;
const V3_SYSTEM = /^[A-Za-z]+$/;

function convertedSystem(system: string): string {
  const renamed = RENAMED_CODE_SYSTEMS[system];
  if (renamed) return renamed;
  const rest = system.slice(STU3_BASE.length);
  if (rest.startsWith('v2/') && V2_TABLE.test(rest.slice(3))) return `${THO}/v2-${rest.slice(3)}`;
  if (rest.startsWith('v3/') && V3_SYSTEM.test(rest.slice(3))) return `${THO}/v3-${rest.slice(3)}`;
  if (MOVED.has(rest)) return `${THO}/${rest}`;
  return system;
}

/** The hl7.org/fhir systems met so far and their R4 URIs: a record uses a handful, hundreds of times each. */
const R4_SYSTEMS = new Map<string, string>();
/** Beyond this many, a system is converted each time rather than remembered: no source can make it grow. */
const R4_SYSTEMS_KEPT = 256;

/**
 * The R4 URI of an STU3 code system: v2 and v3 tables and the moved HL7 systems change, all others stay.
 * Runs for every coding of every resource, so a system outside hl7.org/fhir (SNOMED CT, LOINC, UCUM…) is
 * returned at once, and one inside it is worked out once.
 */
export function r4CodeSystem(system: string): string {
  if (!system.startsWith(STU3_BASE)) return system;
  let r4 = R4_SYSTEMS.get(system);
  if (r4 === undefined) {
    r4 = convertedSystem(system);
    if (R4_SYSTEMS.size < R4_SYSTEMS_KEPT) R4_SYSTEMS.set(system, r4);
  }
  return r4;
}

/** STU3 resource types that R4 renamed: references to them follow the conversion. */
const RENAMED_TYPES: Readonly<Record<string, string>> = {
  ReferralRequest: 'ServiceRequest',
  ProcedureRequest: 'ServiceRequest',
};

export function r4Reference(reference: string): string {
  // Both renamed types end in "Request/": most references are returned without running the pattern.
  if (!reference.includes('Request/')) return reference;
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
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(toR4Values);
  const copy: Record<string, unknown> = {};
  // for…in, not Object.entries: no array of pairs for every object of every resource; primitives are
  // copied without a call.
  for (const key in value) {
    const inner = (value as Record<string, unknown>)[key];
    copy[key] = typeof inner === 'object' && inner !== null ? toR4Values(inner) : inner;
  }
  if (typeof copy.system === 'string' && 'code' in copy) copy.system = r4CodeSystem(copy.system);
  if (typeof copy.reference === 'string') copy.reference = r4Reference(copy.reference);
  return copy;
}
