/** Chunks are cut once their text passes this many characters. */
const CHUNK_CHARS = 64 * 1024;
/** Below this many entries a body is serialised in one piece: chunking would only add work. */
const MIN_ENTRIES = 32;

/**
 * A JSON body as UTF-8 chunks of about 64 kB, byte for byte what `JSON.stringify(body)` would give.
 * A Bundle (an object with an `entry` array) is serialised entry by entry: a view of a megabyte
 * then never exists as one string nor as one buffer, each of which cost as much CPU as the
 * serialisation itself (a fresh large allocation each, outside the young generation) and held
 * the whole answer twice while it was written. Anything else is serialised in one piece.
 */
export function jsonChunks(body: unknown): Buffer[] {
  if (!isChunkable(body)) return [Buffer.from(JSON.stringify(body) ?? 'null')];
  const chunks: Buffer[] = [];
  let text = '{';
  let first = true;
  const flush = (): void => {
    chunks.push(Buffer.from(text));
    text = '';
  };
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key !== 'entry') {
      const json = JSON.stringify(value);
      // As JSON.stringify does: undefined, functions and symbols leave their key out.
      if (json === undefined) continue;
      text += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
      first = false;
      continue;
    }
    text += `${first ? '' : ','}"entry":[`;
    first = false;
    const entries = value as unknown[];
    for (let i = 0; i < entries.length; i++) {
      // In an array, what JSON.stringify cannot represent is written as null.
      text += `${i === 0 ? '' : ','}${JSON.stringify(entries[i]) ?? 'null'}`;
      if (text.length >= CHUNK_CHARS) flush();
    }
    text += ']';
  }
  text += '}';
  flush();
  return chunks;
}

/** A plain object whose `entry` is a long array, and nothing that would make JSON.stringify do otherwise. */
function isChunkable(body: unknown): body is Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const proto = Object.getPrototypeOf(body) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (body as { toJSON?: unknown }).toJSON === 'function') return false;
  const entry = (body as { entry?: unknown }).entry;
  return Array.isArray(entry) && entry.length >= MIN_ENTRIES && !('toJSON' in entry);
}
