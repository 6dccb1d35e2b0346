/** Values of every JSON kind, and undefined (a member that is absent). */
const REPLACEMENTS: readonly unknown[] = [undefined, null, 0, 1.5, '', 'x', '200 OK', true, [], {}, [{}]];

/**
 * A valid JSON value and variants of it: at every path, the member replaced by each kind of JSON value
 * (or removed). For checking that two validators accept and refuse exactly the same bodies.
 */
export function shapeVariants(valid: unknown, depth = 6): unknown[] {
  const variants: unknown[] = [valid];
  const walk = (value: unknown, rebuild: (replacement: unknown) => unknown, level: number): void => {
    for (const replacement of REPLACEMENTS) variants.push(rebuild(replacement));
    if (level === 0 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) =>
        walk(item, (r) => rebuild(value.map((v, j) => (j === i ? r : v))), level - 1),
      );
      return;
    }
    for (const key of Object.keys(value)) {
      walk(
        (value as Record<string, unknown>)[key],
        (r) => rebuild({ ...(value as Record<string, unknown>), [key]: r }),
        level - 1,
      );
    }
  };
  walk(valid, (r) => r, depth);
  // Through JSON, as a body arrives: an undefined member is an absent one.
  return variants.map((v) => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown)));
}
