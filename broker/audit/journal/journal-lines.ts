import type { FileHandle } from 'node:fs/promises';
import type { SealedEntry } from './entry-hash';

/**
 * The file store's line: `{"prevHash":"…","hash":"…","entry":<canonical text>}` and a newline. It is
 * JSON (jq reads it), and the text sits at a fixed place, so it is sliced out byte for byte rather
 * than re-serialised: the hash is always over exactly what was written.
 */
const LINE = /^\{"prevHash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})","entry":(\{.*\})\}$/s;

export function journalLine(sealed: SealedEntry): string {
  return `{"prevHash":"${sealed.entry.prevHash}","hash":"${sealed.entry.hash}","entry":${sealed.text}}\n`;
}

export interface JournalLine {
  readonly prevHash: string;
  readonly hash: string;
  readonly text: string;
}

export function parseJournalLine(line: string): JournalLine | undefined {
  const match = LINE.exec(line);
  return match ? { prevHash: match[1]!, hash: match[2]!, text: match[3]! } : undefined;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Reads `[from, to)` of a file line by line, in chunks (a journal may be far larger than a string may
 * be). `onLine` gets each complete line without its newline, and its byte offset; it must not keep the
 * buffer, and returns false to stop early. Returns the offset just past the last newline: bytes after it are a torn, unfinished line.
 */
export async function scanLines(
  handle: FileHandle,
  range: { readonly from: number; readonly to: number },
  onLine: (line: Buffer, offset: number) => boolean | void,
): Promise<number> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = range.from;
  let carry = Buffer.alloc(0);
  let carryOffset = range.from;
  while (position < range.to) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, range.to - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data =
      carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let newline = data.indexOf(10, start); newline !== -1; newline = data.indexOf(10, start)) {
      if (onLine(data.subarray(start, newline), carryOffset + start) === false)
        return carryOffset + newline + 1;
      start = newline + 1;
    }
    carryOffset += start;
    // Copied: the chunk buffer is reused by the next read.
    carry = Buffer.from(data.subarray(start));
  }
  return carryOffset;
}

/** Reads one line (without its newline) at a known place. */
export async function readLine(handle: FileHandle, offset: number, length: number): Promise<string> {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
    if (bytesRead === 0) throw new Error('journal file shorter than its index');
    read += bytesRead;
  }
  return buffer.toString('utf8');
}
