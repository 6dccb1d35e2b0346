/** Chunks are cut once they hold about this many bytes. */
const CHUNK_BYTES = 64 * 1024;
/** Below this many entries a body is serialised in one piece: chunking would only add work. */
const MIN_ENTRIES = 32;
/** The most UTF-8 bytes one UTF-16 code unit becomes (a surrogate pair, two units, becomes four). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * A JSON body as UTF-8 chunks of about 64 kB, byte for byte what `JSON.stringify(body)` would give.
 * A Bundle (an object with an `entry` array) is serialised entry by entry, each entry's text encoded
 * straight into the chunk it goes in: a view of a megabyte then never exists as one string nor as one
 * buffer (each cost as much CPU as the serialisation itself, a fresh large allocation outside the
 * young generation, and held the whole answer twice while it was written), and the entries' texts are
 * never joined into chunk-sized strings first (which copied every byte once more, and made garbage
 * the size of the answer). Anything else is serialised in one piece.
 */
export function jsonChunks(body: unknown): Buffer[] {
  if (!isChunkable(body)) return [Buffer.from(JSON.stringify(body) ?? 'null')];
  const out = new ChunkWriter();
  out.put('{');
  let first = true;
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key !== 'entry') {
      const json = JSON.stringify(value);
      // As JSON.stringify does: undefined, functions and symbols leave their key out.
      if (json === undefined) continue;
      out.put(`${first ? '' : ','}${JSON.stringify(key)}:${json}`);
      first = false;
      continue;
    }
    out.put(first ? '"entry":[' : ',"entry":[');
    first = false;
    const entries = value as unknown[];
    for (let i = 0; i < entries.length; i++) {
      if (i > 0) out.put(',');
      // In an array, what JSON.stringify cannot represent is written as null.
      out.put(JSON.stringify(entries[i]) ?? 'null');
    }
    out.put(']');
  }
  out.put('}');
  return out.finish();
}

/** Text encoded as UTF-8 into buffers of CHUNK_BYTES, each cut where it is full; a longer text is a chunk of its own. */
class ChunkWriter {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  put(text: string): void {
    // Measured only when it might not fit: most texts are far shorter than the room left.
    if (text.length * MAX_BYTES_PER_UNIT > CHUNK_BYTES - this.used) {
      const bytes = Buffer.byteLength(text);
      if (bytes > CHUNK_BYTES - this.used) {
        this.cut();
        if (bytes > CHUNK_BYTES) {
          this.chunks.push(Buffer.from(text));
          return;
        }
      }
    }
    this.used += this.chunk.write(text, this.used);
  }

  finish(): Buffer[] {
    if (this.used > 0) this.chunks.push(this.chunk.subarray(0, this.used));
    return this.chunks;
  }

  private cut(): void {
    if (this.used === 0) return;
    this.chunks.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
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
