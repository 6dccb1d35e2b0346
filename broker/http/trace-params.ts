import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import type { TraceInputs } from '../view/patient-trace-service';

/** The demographic search parameters of `GET /fhir/Patient` that make it a trace. */
export const TRACE_PARAMS = ['family', 'given', 'birthdate', 'gender', 'address-postalcode'] as const;

const NAME = /^[\p{L}][\p{L}' .-]{0,34}$/u;
const BIRTHDATE = /^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$/;
const POSTCODE = /^[A-Za-z0-9 ]{2,8}$/;
const GENDERS = ['male', 'female', 'other', 'unknown'] as const;

function invalid(text: string, expression: string): OutcomeError {
  return new OutcomeError('invalid', outcomeOf('invalid', text, expression));
}

/** Whether any trace parameter was given (then the request is a trace, not an identifier search). */
export function isTrace(params: ReadonlyMap<string, string>): boolean {
  return TRACE_PARAMS.some((name) => params.has(name));
}

/**
 * The trace's inputs, checked: family name, birth date, and gender or postcode at least, each in a
 * form PDS accepts. Messages name the parameter, never echo its value (it is a patient's detail).
 */
export function traceInputs(params: ReadonlyMap<string, string>): TraceInputs {
  const family = params.get('family')?.trim();
  const birthdate = params.get('birthdate')?.trim();
  const gender = params.get('gender')?.trim();
  const postcode = params.get('address-postalcode')?.trim();
  const given = params.get('given')?.trim();
  if (!family || !birthdate || (!gender && !postcode)) {
    throw invalid(
      'A trace needs at least family, birthdate and one of gender or address-postalcode (given helps), e.g. Patient?family={family name}&birthdate={YYYY-MM-DD}&address-postalcode={postcode}.',
      !family ? 'family' : !birthdate ? 'birthdate' : 'gender',
    );
  }
  if (!NAME.test(family))
    throw invalid(
      'family must be a name of up to 35 letters (spaces, hyphens and apostrophes allowed).',
      'family',
    );
  if (given !== undefined && !NAME.test(given))
    throw invalid(
      'given must be a name of up to 35 letters (spaces, hyphens and apostrophes allowed).',
      'given',
    );
  const date = BIRTHDATE.exec(birthdate);
  if (!date || Number.isNaN(Date.parse(date[2]!)))
    throw invalid('birthdate must be a date, YYYY-MM-DD, optionally prefixed eq, ge or le.', 'birthdate');
  if (gender !== undefined && !(GENDERS as readonly string[]).includes(gender))
    throw invalid('gender must be one of male, female, other, unknown.', 'gender');
  if (postcode !== undefined && !POSTCODE.test(postcode))
    throw invalid(
      'address-postalcode must be a UK postcode (letters, digits and a space).',
      'address-postalcode',
    );
  return {
    family,
    birthdate,
    ...(given ? { given } : {}),
    ...(gender ? { gender: gender as (typeof GENDERS)[number] } : {}),
    ...(postcode ? { postcode } : {}),
  };
}
