import { badRequest } from '../fhir-error';

const MAX_COUNT = 1000;
const DEFAULT_COUNT = 100;
export const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A day or an instant as the start of the range it names; a day's end is the next midnight (UTC). */
export function parseWhen(value: string, name: string, edge: 'start' | 'end'): string {
  const start = Date.parse(`${value}T00:00:00Z`);
  // A real calendar day: Date.parse would roll 2026-02-30 over into March.
  if (DATE.test(value) && !Number.isNaN(start) && new Date(start).toISOString().startsWith(value)) {
    return new Date(edge === 'start' ? start : start + DAY_MS).toISOString();
  }
  if (INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw badRequest(
    `${name} must be a date (2026-11-22) or an instant with a time zone (2026-11-22T09:00:00Z).`,
    name,
  );
}

/**
 * FHIR date search on `recorded`: ge/gt/le/lt/eq prefixes (eq or none: that day or instant), one or
 * two of them; returns [from, to) as instants.
 */
export function dateRange(values: readonly string[]): { from?: string; to?: string } {
  if (values.length > 2) throw badRequest('Give date at most twice (a lower and an upper bound).', 'date');
  let from: string | undefined;
  let to: string | undefined;
  for (const value of values) {
    const match = /^(ge|gt|le|lt|eq)?(.+)$/.exec(value)!;
    const prefix = match[1] ?? 'eq';
    const when = match[2]!;
    if (prefix === 'ge' || prefix === 'gt' || prefix === 'eq') {
      from = parseWhen(when, 'date', prefix === 'gt' && DATE.test(when) ? 'end' : 'start');
    }
    if (prefix === 'le' || prefix === 'lt' || prefix === 'eq') {
      to = parseWhen(when, 'date', prefix === 'lt' ? 'start' : 'end');
    }
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

export function parseCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_COUNT;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) {
    throw badRequest(`_count must be a whole number from 1 to ${MAX_COUNT}.`, '_count');
  }
  return Number(value);
}

export const one = (params: Map<string, string[]>, name: string): string | undefined => params.get(name)?.[0];
