import type { Extension, Resource } from '@medplum/fhirtypes';
import { toR4Values } from './r4-values';

/** A FHIR STU3 resource as it arrived: the bundle schema checked its type and id, nothing more. */
export interface Stu3Resource {
  readonly resourceType: string;
  readonly id?: string;
  readonly [element: string]: unknown;
}

/** A converted resource and the STU3 elements that had no place in R4 and were left out (e.g. `Patient.animal`). */
export interface Converted<T extends Resource = Resource> {
  readonly resource: T;
  readonly dropped: readonly string[];
}

/** Elements every DomainResource has in both versions. `meta` is handled apart: its STU3 profiles no longer apply. */
const DOMAIN_RESOURCE: ReadonlySet<string> = new Set([
  'id',
  'implicitRules',
  'language',
  'text',
  'extension',
  'modifierExtension',
]);

/**
 * Each converter's `same` list (a module constant) as a set, made once: carryOver looks up every element of every
 * resource.
 */
const sameSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function sameSet(same: readonly string[]): ReadonlySet<string> {
  let set = sameSets.get(same);
  if (!set) {
    set = new Set([...DOMAIN_RESOURCE, ...same]);
    sameSets.set(same, set);
  }
  return set;
}

/**
 * Carries a resource's elements into R4. `same` are elements whose shape R4 kept; `handled` are the ones the
 * caller converts itself. Anything else has no R4 equivalent and is reported as dropped, never silently lost.
 */
export function carryOver(
  source: Stu3Resource,
  options: { readonly same: readonly string[]; readonly handled: readonly string[] },
): { kept: Record<string, unknown>; dropped: string[] } {
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  const same = sameSet(options.same);
  // for…in, not Object.entries: no array of pairs for every resource.
  for (const key in source) {
    if (key === 'resourceType' || key === 'contained' || options.handled.includes(key)) continue;
    const value = source[key];
    if (key === 'meta') {
      const meta = r4Meta(value);
      if (meta) kept.meta = meta;
      continue;
    }
    // Primitive extensions (`_element`) travel with their element.
    if (same.has(key) || (key.startsWith('_') && same.has(key.slice(1)))) {
      kept[key] = toR4Values(value);
      continue;
    }
    dropped.push(`${source.resourceType}.${key}`);
  }
  return { kept, dropped };
}

/** meta without its STU3 profiles (they describe a form the resource no longer has); security labels and dates stay. */
function r4Meta(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  const { profile: _profile, ...rest } = value;
  const meta = toR4Values(rest) as Record<string, unknown>;
  return Object.keys(meta).length > 0 ? meta : undefined;
}

/**
 * The HL7 cross-version extension for an STU3 element R4 has no place for, e.g. `MedicationStatement.taken`:
 * the clinical content stays with the resource instead of being dropped.
 */
export function stu3Extension(element: string, value: Omit<Extension, 'url'>): Extension {
  return { url: `http://hl7.org/fhir/3.0/StructureDefinition/extension-${element}`, ...value };
}

/** Adds extensions to the ones the resource already carries. */
export function withExtensions(
  kept: Record<string, unknown>,
  extensions: readonly (Extension | undefined)[],
): void {
  const added = extensions.filter((e): e is Extension => e !== undefined);
  if (added.length === 0) return;
  const existing = Array.isArray(kept.extension) ? (kept.extension as Extension[]) : [];
  kept.extension = [...existing, ...added];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
