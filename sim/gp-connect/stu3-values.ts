const THO = 'http://terminology.hl7.org/CodeSystem/';

/** The STU3 URI of an R4 code system: terminology.hl7.org systems were published under hl7.org/fhir in STU3. */
export function stu3CodeSystem(system: string): string {
  if (!system.startsWith(THO)) return system;
  const name = system.slice(THO.length);
  const v2 = /^v2-(\d{4})$/.exec(name);
  if (v2) return `http://hl7.org/fhir/v2/${v2[1]}`;
  const v3 = /^v3-([A-Za-z]+)$/.exec(name);
  if (v3) return `http://hl7.org/fhir/v3/${v3[1]}`;
  if (name === 'medicationrequest-category') return 'http://hl7.org/fhir/medication-request-category';
  return `http://hl7.org/fhir/${name}`;
}

/** A deep copy of an R4 value with its codings' systems in STU3 form. */
export function toStu3Values<T>(value: T): T {
  if (Array.isArray(value)) return value.map(toStu3Values) as T;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = toStu3Values(inner);
  if (typeof copy.system === 'string' && 'code' in copy) copy.system = stu3CodeSystem(copy.system);
  return copy as T;
}

/** The first code of a status CodeableConcept: STU3 carries these statuses as plain codes. */
export function statusCode(concept: { coding?: { code?: string }[] } | undefined): string | undefined {
  return concept?.coding?.[0]?.code;
}

/** meta as GP Connect sends it: the profile, and the source's dates and security labels. */
export function gpcMeta(
  meta: { lastUpdated?: string; security?: unknown[] } | undefined,
  profile: string,
): object {
  return {
    profile: [`https://fhir.nhs.uk/STU3/StructureDefinition/${profile}`],
    ...(meta?.lastUpdated ? { lastUpdated: meta.lastUpdated } : {}),
    ...(meta?.security ? { security: toStu3Values(meta.security) } : {}),
  };
}
