/**
 * The id under which the broker serves a DocumentReference's content: `{NHS number}.{the
 * DocumentReference's id in the view}.{content index}`, e.g. `9000000009.acute-doc-3.0`. The patient is
 * part of the id, as in `Patient/{nhs}/$everything`: a document is read with the same checks as a view of
 * that patient's record. Nothing is kept: the id is all the broker needs to find the document again.
 */
export interface BinaryRef {
  readonly nhsNumber: string;
  /** The DocumentReference's id in the view, `{sourceId}-{the source's id}`. */
  readonly documentId: string;
  readonly contentIndex: number;
}

export function binaryId(ref: BinaryRef): string {
  return `${ref.nhsNumber}.${ref.documentId}.${ref.contentIndex}`;
}

const BINARY_ID = /^(\d{10})\.([A-Za-z0-9\-.]{1,140})\.(\d{1,3})$/;

/** The parts of a Binary id, or undefined when it is not one the broker made. */
export function parseBinaryId(id: string): BinaryRef | undefined {
  const match = BINARY_ID.exec(id);
  if (!match) return undefined;
  return { nhsNumber: match[1]!, documentId: match[2]!, contentIndex: Number(match[3]) };
}
