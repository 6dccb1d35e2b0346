import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { BodyRefused, readBody } from './read-body';

/** A body as it arrives off a socket: in 16 KiB pieces. */
function wire(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 16 * 1024) pieces.push(bytes.subarray(i, i + 16 * 1024));
  return Readable.from(pieces, { objectMode: false });
}

const LIMITS = { maxBytes: 1024 * 1024, maxRatio: 100, ratioFloorBytes: 256 * 1024 };
const json = Buffer.from(JSON.stringify({ resourceType: 'Bundle', entry: Array(200).fill({ id: 'x' }) }));

describe('readBody', () => {
  it.each([
    ['identity', undefined, json],
    ['gzip', 'gzip', zlib.gzipSync(json)],
    ['deflate', 'deflate', zlib.deflateSync(json)],
    ['br', 'br', zlib.brotliCompressSync(json)],
  ])('when the body is %s encoded, then it is read whole and decoded', async (_name, encoding, bytes) => {
    const body = await readBody(wire(bytes), encoding, LIMITS);
    expect(body.equals(json)).toBe(true);
  });

  it('when a gzip body inflates past the cap, then it is refused as too large once the cap is passed', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const error = await readBody(wire(bomb), 'gzip', { ...LIMITS, maxRatio: 1e9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyRefused);
    expect((error as BodyRefused).reason).toBe('too-large');
    // Stopped just past the cap, not after inflating all 64 MiB (what it counted is what it inflated).
    expect((error as BodyRefused).detail.bytes).toBeLessThan(LIMITS.maxBytes + 256 * 1024);
  });

  it('when a body inflates at an absurd ratio under the cap, then it is refused as a compression bomb', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 });
    const error = await readBody(wire(bomb), 'gzip', { ...LIMITS, maxBytes: 64 * 1024 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect((error as BodyRefused).reason).toBe('compression-bomb');
    expect((error as BodyRefused).detail.ratio).toBeGreaterThanOrEqual(100);
  });

  it('when a plain body is over the cap, then it is refused as too large', async () => {
    const error = await readBody(wire(Buffer.alloc(LIMITS.maxBytes + 1, 0x20)), undefined, LIMITS).catch(
      (e: unknown) => e,
    );
    expect((error as BodyRefused).reason).toBe('too-large');
  });

  it('when a body is exactly at the cap, then it is accepted', async () => {
    const body = await readBody(wire(Buffer.alloc(LIMITS.maxBytes, 0x20)), undefined, LIMITS);
    expect(body.length).toBe(LIMITS.maxBytes);
  });

  it('when the encoding is not one the broker reads, then the body is refused', async () => {
    const error = await readBody(wire(json), 'compress', LIMITS).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'unsupported-encoding', detail: { encoding: 'compress' } });
  });

  it('when another listener paused the body before it is read, then it is still read whole', async () => {
    const paused = wire(json);
    paused.pause();
    paused.on('data', () => {});
    const body = await readBody(paused, undefined, LIMITS);
    expect(body.equals(json)).toBe(true);
  });

  it('when a gzip body is truncated, then reading fails rather than returning part of it', async () => {
    const gz = zlib.gzipSync(json);
    await expect(readBody(wire(gz.subarray(0, gz.length - 8)), 'gzip', LIMITS)).rejects.toThrow();
  });
});
