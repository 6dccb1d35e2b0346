/**
 * All population dates hang off one reference instant, never the wall clock, so output is deterministic.
 */
export const DEFAULT_REFERENCE_DATE = '2026-11-01T09:00:00Z';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const YEAR_MS = 365.25 * DAY_MS;

/** An ISO instant without milliseconds, e.g. `2026-09-14T09:32:00Z`. */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An ISO date, e.g. `2026-09-14`. */
export function toDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function parseReferenceDate(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new RangeError('referenceDate must be an ISO instant such as 2026-11-01T09:00:00Z');
  }
  return ms;
}

/** Rounds down to the minute: clinical systems rarely record seconds. */
export function toMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * Dates of the fixed demo records are written as they read with the default reference date, and move by
 * whole days with a different one, so their intervals (and the duplicates between nodes) hold.
 */
export interface FixedDates {
  /** `2026-09-14T09:32:00Z` → the same instant, shifted. */
  instant(iso: string): string;
  /** `2012-06-18` → the same date, shifted. */
  date(iso: string): string;
  ms(iso: string): number;
}

export function createFixedDates(referenceMs: number): FixedDates {
  const defaultMs = Date.parse(DEFAULT_REFERENCE_DATE);
  const shiftMs = Math.round((referenceMs - defaultMs) / DAY_MS) * DAY_MS;
  const ms = (iso: string): number => {
    const parsed = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
    if (Number.isNaN(parsed)) throw new RangeError('Fixed record date is not an ISO date');
    return parsed + shiftMs;
  };
  return {
    instant: (iso) => toInstant(ms(iso)),
    date: (iso) => toDate(ms(iso)),
    ms,
  };
}
