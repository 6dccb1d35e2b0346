import { OperationOutcomeError, parseSearchRequest, type SearchRequest } from '@medplum/core';
import { PATIENT_SEARCH_PARAM, type RecordResourceType } from '../../core/fhir/resource-types';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';
import { badRequest, notAcceptable } from '../http/fhir-error';
import { nhsNumberFromPatientParam, parseCountParam } from '../http/fhir-params';
import {
  definitionOf,
  includesOf,
  MODIFIERS,
  recordTypesFor,
  RESULT_PARAMS,
  revincludesOf,
  supportedFilters,
} from './search-definitions';

export const TOTAL_MODES = ['none', 'estimate', 'accurate'] as const;
export type TotalMode = (typeof TOTAL_MODES)[number];

/**
 * A filter the broker evaluates itself, because @medplum/core's in-memory matching reads every string
 * as "contains" and `:text` as an exact code: FHIR's string search (starts with, `:contains`,
 * `:exact`) and token `:text` (the words of CodeableConcept.text and Coding.display).
 */
export interface TextFilter {
  readonly code: string;
  readonly mode: 'starts-with' | 'contains' | 'exact' | 'text';
  /** Alternatives (a comma is OR). */
  readonly values: readonly string[];
}

export interface SortKey {
  readonly code: string;
  readonly descending: boolean;
}

/** A type search as the broker evaluates it over the merged, checked view of one patient. */
export interface TypeSearch {
  readonly type: RecordResourceType;
  readonly nhsNumber: string;
  /** The filters, for @medplum/core's matching; none means every entry of the type matches. */
  readonly filters: SearchRequest;
  readonly hasFilters: boolean;
  readonly textFilters: readonly TextFilter[];
  readonly count?: number;
  readonly sort: readonly SortKey[];
  readonly include: readonly string[];
  readonly revinclude: readonly string[];
  readonly summaryCount: boolean;
  readonly elements?: readonly string[];
  readonly total: TotalMode;
  /** The record types the view must hold: the searched type and what includes need. */
  readonly viewTypes: readonly RecordResourceType[];
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
const DATE_VALUE =
  /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const ELEMENT = /^[a-z][A-Za-z0-9]{0,63}$/;
const SORTABLE_TYPES = new Set(['date']);

const unsupported = (type: string, name: string, supported: readonly string[]): OutcomeError =>
  badRequest(
    `The parameter "${name.slice(0, 64)}" is not supported for ${type}. Supported: ${supported.join(', ')}.`,
    name.slice(0, 64),
  );

/**
 * Reads `GET /fhir/{Type}?…`: `patient` (required, once), the filters the type supports (repeated
 * means AND, a comma OR, with the modifiers its parameter type allows) and the result parameters. Any
 * other parameter, modifier or malformed value is a 400 naming it and what is supported.
 */
export function parseTypeSearch(type: RecordResourceType, query: URLSearchParams): TypeSearch {
  const patientParam = PATIENT_SEARCH_PARAM[type];
  const filters = supportedFilters(type);
  const everything = [patientParam, ...filters, ...RESULT_PARAMS];
  const filterParams = new URLSearchParams();
  const seen = new Set<string>();
  const include: string[] = [];
  const textFilters: TextFilter[] = [];
  const revinclude: string[] = [];
  let nhsNumber: string | undefined;
  let result: Omit<
    TypeSearch,
    'type' | 'nhsNumber' | 'filters' | 'hasFilters' | 'textFilters' | 'viewTypes'
  > = {
    sort: [],
    include,
    revinclude,
    summaryCount: false,
    total: 'accurate',
  };
  const once = (name: string): void => {
    if (seen.has(name)) throw badRequest(`The parameter "${name}" must be given once.`, name);
    seen.add(name);
  };

  for (const [key, value] of query) {
    if (key === '_format') {
      if (!JSON_FORMATS.has(value.split(';')[0]!.trim())) throw notAcceptable();
      continue;
    }
    if (key === patientParam) {
      once(key);
      nhsNumber = nhsNumberFromPatientParam(value);
      continue;
    }
    switch (key) {
      case '_count':
        once(key);
        result = { ...result, count: parseCountParam(value)! };
        continue;
      case '_sort':
        once(key);
        result = { ...result, sort: parseSort(type, value) };
        continue;
      case '_include':
        include.push(checkInclude(type, value, includesOf(type), key));
        continue;
      case '_revinclude':
        revinclude.push(checkInclude(type, value, revincludesOf(type), key));
        continue;
      case '_summary':
        once(key);
        if (value !== 'count' && value !== 'false')
          throw badRequest('_summary supports count (the number of matches only) and false.', key);
        result = { ...result, summaryCount: value === 'count' };
        continue;
      case '_elements':
        once(key);
        result = { ...result, elements: parseElements(value) };
        continue;
      case '_total':
        once(key);
        if (!(TOTAL_MODES as readonly string[]).includes(value))
          throw badRequest('_total must be none, estimate or accurate.', key);
        result = { ...result, total: value as TotalMode };
        continue;
    }
    const [code, modifier, ...rest] = key.split(':') as [string, string | undefined, ...string[]];
    if (!filters.includes(code) || rest.length > 0) throw unsupported(type, key, everything);
    const paramType = definitionOf(type, code)?.type ?? 'token';
    if (modifier !== undefined && !(MODIFIERS[paramType] ?? []).includes(modifier)) {
      const allowed = MODIFIERS[paramType] ?? [];
      throw badRequest(
        `The modifier ":${modifier.slice(0, 32)}" is not supported on ${code} (a ${paramType} parameter). ${allowed.length ? `Supported: ${allowed.map((m) => `:${m}`).join(', ')}.` : 'It takes none.'}`,
        key.slice(0, 64),
      );
    }
    // An unencoded `+` of a time zone arrives as a space; a date never holds one.
    const given = paramType === 'date' ? value.replaceAll(' ', '+') : value;
    checkValue(type, code, paramType, modifier, given);
    const textMode = textModeOf(paramType, modifier);
    if (textMode) textFilters.push({ code, mode: textMode, values: given.split(',') });
    else filterParams.append(key, given);
  }

  if (nhsNumber === undefined) {
    throw new OutcomeError(
      'invalid',
      operationOutcome('error', 'required', `Search ${type} by ${patientParam}={NHS number}.`, patientParam),
    );
  }
  const viewTypes = new Set<RecordResourceType>([type]);
  for (const i of include) recordTypesFor(i, 'include').forEach((t) => viewTypes.add(t));
  for (const r of revinclude) recordTypesFor(r, 'revinclude').forEach((t) => viewTypes.add(t));
  return {
    ...result,
    type,
    nhsNumber,
    filters: parseFilters(type, filterParams),
    hasFilters: [...filterParams.keys()].length > 0,
    textFilters,
    viewTypes: [...viewTypes],
  };
}

function textModeOf(paramType: string, modifier: string | undefined): TextFilter['mode'] | undefined {
  if (paramType === 'token') return modifier === 'text' ? 'text' : undefined;
  if (paramType !== 'string' || modifier === 'missing') return undefined;
  return modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'starts-with';
}

function parseFilters(type: RecordResourceType, params: URLSearchParams): SearchRequest {
  try {
    return parseSearchRequest(`${type}?${params.toString()}`);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const text = error.outcome.issue?.[0]?.details?.text ?? 'A search parameter could not be read.';
      throw new OutcomeError('invalid', operationOutcome('error', 'invalid', text), { cause: error });
    }
    throw error;
  }
}

function checkValue(
  type: string,
  code: string,
  paramType: string,
  modifier: string | undefined,
  value: string,
): void {
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw badRequest(`${code}:missing takes true or false.`, code);
    return;
  }
  if (value === '' || value.split(',').some((v) => v === '')) {
    throw badRequest(`${code} needs a value; separate alternatives with commas.`, code);
  }
  if (paramType === 'date' && !value.split(',').every((v) => DATE_VALUE.test(v))) {
    throw badRequest(
      `${code} on ${type} takes a date with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb, ap): for example ge2026-01, 2026-01-31 or lt2026-01-31T09:00:00Z.`,
      code,
    );
  }
}

function parseSort(type: RecordResourceType, value: string): SortKey[] {
  return value.split(',').map((raw) => {
    const descending = raw.startsWith('-');
    const code = descending ? raw.slice(1) : raw;
    const sortable = [...new Set(['_lastUpdated', ...supportedFilters(type).filter(isDate(type))])];
    if (!sortable.includes(code)) {
      throw badRequest(
        `_sort by "${code.slice(0, 64)}" is not supported for ${type}. Sort by: ${sortable.join(', ')} (prefix - for descending).`,
        '_sort',
      );
    }
    return { code, descending };
  });
}

const isDate =
  (type: string) =>
  (code: string): boolean =>
    SORTABLE_TYPES.has(definitionOf(type, code)?.type ?? '');

function checkInclude(type: string, value: string, supported: readonly string[], param: string): string {
  if (!supported.includes(value)) {
    throw badRequest(
      `${param}=${value.slice(0, 64)} is not supported for ${type}. Supported: ${supported.join(', ') || 'none'}.`,
      param,
    );
  }
  return value;
}

function parseElements(value: string): string[] {
  const elements = value.split(',').map((e) => e.trim());
  const bad = elements.find((e) => !ELEMENT.test(e));
  if (bad !== undefined) {
    throw badRequest(
      `_elements names "${bad.slice(0, 64)}", which is not an element name: give top-level elements, comma-separated (for example code,status,effective).`,
      '_elements',
    );
  }
  return elements;
}
