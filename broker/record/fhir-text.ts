import type {
  Annotation,
  CodeableConcept,
  Period,
  Quantity,
  Range,
  Reference,
  Resource,
} from '@medplum/fhirtypes';

/** Looks up a resource of the view (an entry or an included resource) by its `Type/id` reference. */
export type ResolveReference = (reference: string | undefined) => Resource | undefined;

/** The concept's own text, else its first coding's display. Codes alone are not text a person reads. */
export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  return nonEmpty(concept.text) ?? concept.coding?.map((c) => nonEmpty(c.display)).find(Boolean);
}

/** The first concept of a list that has text. */
export function firstConceptText(concepts: readonly CodeableConcept[] | undefined): string | undefined {
  return concepts?.map(conceptText).find(Boolean);
}

/** The status code of a coded status (clinicalStatus, verificationStatus…). */
export function conceptCode(concept: CodeableConcept | undefined): string | undefined {
  return concept?.coding?.map((c) => nonEmpty(c.code)).find(Boolean);
}

/** "58 mmol/mol"; a comparator stays ("<5 mmol/L"). */
export function quantityText(quantity: Quantity | undefined): string | undefined {
  if (quantity?.value === undefined) return undefined;
  const unit = nonEmpty(quantity.unit) ?? nonEmpty(quantity.code);
  return `${quantity.comparator ?? ''}${quantity.value}${unit ? ` ${unit}` : ''}`;
}

export function rangeText(range: Range | undefined): string | undefined {
  const low = quantityText(range?.low);
  const high = quantityText(range?.high);
  if (low && high) return `${low} – ${high}`;
  return low ?? high;
}

/** A reference's display, else the display of the resource it points at in the view. */
export function referenceText(
  reference: Reference | undefined,
  resolve?: ResolveReference,
): string | undefined {
  if (!reference) return undefined;
  return nonEmpty(reference.display) ?? resourceName(resolve?.(reference.reference));
}

/** The name of a practitioner, organisation, location or medication resource, as the source wrote it. */
export function resourceName(resource: Resource | undefined): string | undefined {
  if (!resource) return undefined;
  switch (resource.resourceType) {
    case 'Practitioner':
    case 'RelatedPerson':
    case 'Patient':
      return resource.name?.map(humanNameText).find(Boolean);
    case 'Organization':
    case 'Location':
      return nonEmpty(resource.name);
    case 'Medication':
      return conceptText(resource.code);
    default:
      return undefined;
  }
}

/** "Nurse Helen Brooks": the name's text, else its parts in reading order. */
export function humanNameText(
  name: { text?: string; prefix?: string[]; given?: string[]; family?: string } | undefined,
): string | undefined {
  if (!name) return undefined;
  return (
    nonEmpty(name.text) ??
    nonEmpty([...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].join(' ').trim())
  );
}

export function periodStart(period: Period | undefined): string | undefined {
  return nonEmpty(period?.start) ?? nonEmpty(period?.end);
}

export function notesText(notes: readonly Annotation[] | undefined): string | undefined {
  return joinParts(notes?.map((n) => n.text));
}

/** Joins the parts that exist with " · "; undefined when none do. */
export function joinParts(
  parts: readonly (string | undefined)[] | undefined,
  separator = ' · ',
): string | undefined {
  return nonEmpty((parts ?? []).filter((p): p is string => Boolean(p?.trim())).join(separator));
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

/** `{ [key]: value }` when the value exists, else nothing: a missing field is omitted, never blank. */
export function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
