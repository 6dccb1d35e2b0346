import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

/** Code system families the broker compares codes within. */
export const CODE_FAMILIES = ['sct', 'icd10', 'loinc'] as const;
export type CodeFamily = (typeof CODE_FAMILIES)[number];

/**
 * In the UK a dm+d code is a SNOMED CT concept id, so dm+d and SNOMED CT are one family; a trailing
 * slash or the other scheme is an alias some systems send.
 */
const FAMILY_BY_SYSTEM: Readonly<Record<string, CodeFamily>> = {
  'http://snomed.info/sct': 'sct',
  'https://snomed.info/sct': 'sct',
  'https://dmd.nhs.uk': 'sct',
  'http://dmd.nhs.uk': 'sct',
  'https://fhir.nhs.uk/Id/dmd': 'sct',
  'http://hl7.org/fhir/sid/icd-10': 'icd10',
  'http://hl7.org/fhir/sid/icd-10-uk': 'icd10',
  'https://fhir.hl7.org.uk/Id/icd-10-uk': 'icd10',
  'http://loinc.org': 'loinc',
  'https://loinc.org': 'loinc',
};

export function codeFamily(system: string | undefined): CodeFamily | undefined {
  return system === undefined ? undefined : FAMILY_BY_SYSTEM[system.replace(/\/+$/, '')];
}

/** `family|code` for a known family (ICD-10 codes without the dot, upper case), else `system|code`. */
export function codingKey(coding: Coding): string | null {
  const code = coding.code?.trim();
  if (!coding.system || !code) return null;
  const family = codeFamily(coding.system);
  if (family === 'icd10') return `icd10|${code.replace(/\./g, '').toUpperCase()}`;
  return `${family ?? coding.system}|${code}`;
}

/**
 * The key of a concept's first coding in the most preferred family it has. With `anySystem`, a
 * concept coded in none of the families falls back to its first coding of any system. Text alone
 * is never a key: free text is not safe to match on.
 */
export function conceptKey(
  concept: CodeableConcept | undefined,
  families: readonly CodeFamily[],
  options: { anySystem?: boolean } = {},
): string | null {
  const codings = concept?.coding ?? [];
  for (const family of families) {
    const coding = codings.find((c) => codeFamily(c.system) === family && c.code);
    if (coding) return codingKey(coding);
  }
  if (!options.anySystem) return null;
  for (const coding of codings) {
    const key = codingKey(coding);
    if (key) return key;
  }
  return null;
}

/** Whether a concept carries this code in this family (e.g. a status or a "no known allergy" code). */
export function hasCode(
  concept: CodeableConcept | undefined,
  family: CodeFamily,
  codes: ReadonlySet<string>,
): boolean {
  return (concept?.coding ?? []).some((c) => codeFamily(c.system) === family && codes.has(c.code ?? ''));
}

/** The first code of a status concept whose system ends with `statusSystemSuffix`, e.g. `condition-clinical`. */
export function statusCode(
  concept: CodeableConcept | undefined,
  statusSystemSuffix: string,
): string | undefined {
  return concept?.coding?.find((c) => c.system?.endsWith(`/${statusSystemSuffix}`))?.code;
}
