import { finished, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';

export interface BodyLimits {
  /** Largest body accepted, counted after decompression. */
  readonly maxBytes: number;
  /** Largest decompressed-to-wire ratio accepted once `ratioFloorBytes` have been inflated. */
  readonly maxRatio: number;
  /** Below this many decompressed bytes the ratio is not judged (small bodies compress freakishly well). */
  readonly ratioFloorBytes: number;
}

/** Why a body was refused; the HTTP client turns it into the source's error outcome. */
export class BodyRefused extends Error {
  constructor(
    readonly reason: 'too-large' | 'compression-bomb' | 'unsupported-encoding',
    readonly detail: { bytes?: number; ratio?: number; encoding?: string } = {},
  ) {
    super('Response body refused');
    this.name = 'BodyRefused';
  }
}

function decoder(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      // Unzip reads both gzip and zlib-wrapped deflate from their headers.
      return zlib.createUnzip();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * Reads a response body into memory, decompressing it as it streams and counting as it goes, so a
 * body is refused as soon as it passes the cap after decompression (not its wire size), or inflates
 * at an absurd ratio (a decompression bomb): the rest is never inflated, let alone buffered. Read with
 * 'data' events and `finished` rather than an async iterator: one promise per body, not one per chunk
 * (every view reads several bodies, and the iterator's machinery showed in the profile).
 */
export function readBody(
  body: Readable,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  const inflate = decoder(encoding);
  if (inflate === undefined) {
    body.destroy();
    return Promise.reject(new BodyRefused('unsupported-encoding', { encoding: encoding.slice(0, 40) }));
  }
  return new Promise<Buffer>((resolve, reject) => {
    let wireBytes = 0;
    if (inflate) {
      body.on('data', (chunk: Buffer) => {
        wireBytes += chunk.length;
      });
      // A failure on the wire side must end the decoded side too (pipe does not forward errors).
      body.once('error', (error) => inflate.destroy(error));
    }
    const decoded: Readable = inflate ? body.pipe(inflate) : body;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      // Stop reading and inflating at once; the socket is not reused.
      body.destroy();
      inflate?.destroy();
      reject(error);
    };
    decoded.on('data', (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      if (bytes > limits.maxBytes) return fail(new BodyRefused('too-large', { bytes }));
      if (inflate && bytes > limits.ratioFloorBytes && bytes > limits.maxRatio * wireBytes) {
        return fail(
          new BodyRefused('compression-bomb', { ratio: Math.round(bytes / Math.max(1, wireBytes)) }),
        );
      }
      chunks.push(chunk);
    });
    // Flowing even if another listener paused it first (a diagnostics_channel subscriber may): this is the reader.
    decoded.resume();
    // Ends with an error for a body cut short (premature close), as the iterator did.
    finished(decoded, (error) => {
      if (error) fail(error);
      else if (!settled) {
        settled = true;
        resolve(Buffer.concat(chunks, bytes));
      }
    });
  });
}
