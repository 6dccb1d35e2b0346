/**
 * The node's paging cursor: opaque to clients (base64url JSON), bound to the patient and the `from` it was
 * issued for, so a cursor replayed against another search is refused rather than misread.
 */
interface CursorState {
  readonly patientId: string;
  readonly from: string;
  readonly offset: number;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify({ p: state.patientId, f: state.from, o: state.offset }), 'utf8').toString(
    'base64url',
  );
}

/** The offset a cursor stands for, or undefined when it was not issued for this search. */
export function decodeCursor(
  cursor: string,
  search: { patientId: string; from: string },
): number | undefined {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const offset = state.o;
    if (state.p !== search.patientId || state.f !== search.from) return undefined;
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
