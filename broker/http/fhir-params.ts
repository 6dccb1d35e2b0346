import type { Request } from 'express';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import { nhsNumberProblem, type NhsNumberProblem } from '../../core/fhir/nhs-number';
import { isRecordResourceType, type RecordResourceType } from '../../core/fhir/resource-types';
import { badRequest, notAcceptable } from './fhir-error';

const PROBLEM_TEXT: Readonly<Record<NhsNumberProblem, string>> = {
  length: 'must be exactly 10 digits',
  characters: 'must contain digits only',
  'check-digit': 'fails the modulus-11 check (a digit is probably mistyped)',
};

/** Checks an NHS number from a request; `where` names the parameter or path segment for the error. */
export function requireNhsNumber(value: string, where: string): string {
  const problem = nhsNumberProblem(value);
  if (problem) throw badRequest(`The NHS number in ${where} ${PROBLEM_TEXT[problem]}.`, where);
  return value;
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/**
 * The query parameters of a request, checked against what the endpoint supports: an unknown
 * parameter is a 400 naming it and listing what is supported; a parameter given twice is a 400 unless
 * `repeatable` names it; `_format` asking for anything but JSON is a 406.
 */
export function readQueryParams(
  req: Request,
  allowed: readonly string[],
  repeatable: readonly string[] = [],
): Map<string, string[]> {
  const raw = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(raw)) {
    if (name === '_format') {
      if (!JSON_FORMATS.has(value.split(';')[0]!.trim())) throw notAcceptable();
      continue;
    }
    if (!allowed.includes(name)) {
      const supported = allowed.length
        ? `Supported here: ${allowed.join(', ')}.`
        : 'This endpoint takes none.';
      throw badRequest(
        `The parameter "${name.slice(0, 64)}" is not supported. ${supported}`,
        name.slice(0, 64),
      );
    }
    const values = params.get(name) ?? [];
    if (values.length > 0 && !repeatable.includes(name)) {
      throw badRequest(`The parameter "${name}" must be given once, as a single value.`, name);
    }
    params.set(name, [...values, value]);
  }
  return params;
}

/** The query parameters of a request where each is given at most once (see `readQueryParams`). */
export function readParams(req: Request, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, values] of readQueryParams(req, allowed)) params.set(name, values[0]!);
  return params;
}

/** `identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009` → the NHS number. */
export function nhsNumberFromIdentifier(value: string): string {
  const bar = value.indexOf('|');
  if (bar < 0 || value.slice(0, bar) !== NHS_NUMBER_SYSTEM) {
    throw badRequest(`The identifier must be given as ${NHS_NUMBER_SYSTEM}|{NHS number}.`, 'identifier');
  }
  return requireNhsNumber(value.slice(bar + 1), 'identifier');
}

/** `patient=9000000009` or `patient=Patient/9000000009`. */
export function nhsNumberFromPatientParam(value: string): string {
  return requireNhsNumber(value.startsWith('Patient/') ? value.slice('Patient/'.length) : value, 'patient');
}

/** `_type=Condition,Observation`; Patient is always in the view and may be named. */
export function parseTypeParam(value: string | undefined): RecordResourceType[] | undefined {
  if (value === undefined) return undefined;
  const types = new Set<RecordResourceType>();
  for (const raw of value.split(',')) {
    const type = raw.trim();
    if (type === 'Patient') continue;
    if (!isRecordResourceType(type)) {
      throw badRequest(
        `_type names "${type.slice(0, 64)}", which is not a resource type of the record.`,
        '_type',
      );
    }
    types.add(type);
  }
  return [...types];
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `_since` is a FHIR instant: a full date and time with a time zone. */
export function parseSinceParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badRequest(
      '_since must be an instant with a time zone, for example 2024-01-31T09:00:00Z.',
      '_since',
    );
  }
  return new Date(value).toISOString();
}

/** The most entries a page may hold. */
export const MAX_COUNT = 1000;

/** `_count`: a page size from 1 to 1000. */
export function parseCountParam(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(count >= 1 && count <= MAX_COUNT))
    throw badRequest('_count must be a whole number from 1 to 1000.', '_count');
  return count;
}

/** `_getpagesoffset`: where a page starts in the whole result, from 0. */
export function parseOffsetParam(value: string | undefined): number {
  const offset = value !== undefined && /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(offset))
    throw badRequest('_getpagesoffset must be a whole number from 0.', '_getpagesoffset');
  return offset;
}
