/**
 * The calendar day of a FHIR date or dateTime as the source wrote it (`2012-06-18`), or a partial date
 * as it is (`2012-06`): two sources agree on a day only at the same precision. Null when absent or
 * not a date.
 */
export function dayOf(value: string | undefined): string | null {
  const match = value === undefined ? null : /^\d{4}(-\d{2}(-\d{2})?)?/.exec(value.trim());
  return match ? match[0] : null;
}

/**
 * A FHIR dateTime or instant as one comparable string: a time with a zone becomes the UTC instant
 * (so `10:32+01:00` and `09:32Z` agree); a date without a time stays the date.
 */
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function instantOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!value.includes('T')) return dayOf(value);
  // The common case, already in UTC to the second: no need to parse.
  if (UTC_SECONDS.test(value)) return `${value.slice(0, 19)}.000Z`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
