import { Fhir, ParseConformance, Versions } from 'fhir';

let fhir: Fhir | undefined;

/** Validates a resource against the FHIR R4 definitions with FHIR.js, a third-party validator. Returns error messages. */
export function r4Errors(resource: object): string[] {
  fhir ??= new Fhir(new ParseConformance(true, Versions.R4));
  const result = fhir.validate(resource);
  return result.messages
    .filter((m) => m.severity === 'error')
    .map((m) => `${m.location ?? ''}: ${m.message ?? ''}`);
}
