import type { Reference } from '@medplum/fhirtypes';

/** FHIR's standard extension for an element whose value is not given, and why. */
export const DATA_ABSENT_REASON_URL = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/**
 * What a Reference to a withheld resource becomes: no reference, identifier or display, only the
 * data-absent-reason `masked` ("not available due to security, privacy or related reasons"), so a
 * required reference stays present without saying anything about what it pointed at.
 */
export function maskedReference(): Reference {
  return { extension: [{ url: DATA_ABSENT_REASON_URL, valueCode: 'masked' }] };
}

export function isMaskedReference(reference: Reference | undefined): boolean {
  return (
    reference?.reference === undefined &&
    (reference?.extension ?? []).some((e) => e.url === DATA_ABSENT_REASON_URL && e.valueCode === 'masked')
  );
}
