/** Newest first by `date` (any FHIR date or dateTime); undated items last, in their original order. */
export function newestFirst<T extends { readonly date?: string }>(items: readonly T[]): T[] {
  const time = (item: T): number => {
    const parsed = item.date ? Date.parse(item.date) : Number.NaN;
    return Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
  };
  return [...items].sort((a, b) => time(b) - time(a) || 0);
}
