import { jsonChunks } from './json-chunks';

const joined = (body: unknown): string => Buffer.concat(jsonChunks(body)).toString('utf8');

describe('jsonChunks', () => {
  it('when a large Bundle is chunked, then the bytes are exactly JSON.stringify of it, in chunks of about 64 kB', () => {
    const bundle = {
      resourceType: 'Bundle',
      id: 'b1',
      type: 'searchset',
      total: 3000,
      link: [{ relation: 'self', url: 'https://broker.example/fhir/Patient/9000000009/$everything' }],
      entry: Array.from({ length: 3000 }, (_, i) => ({
        fullUrl: `https://broker.example/fhir/Observation/acute.o${i}`,
        resource: { resourceType: 'Observation', id: `acute.o${i}`, valueString: `Zoë’s reading “${i}” 💊` },
        search: { mode: 'match' },
      })),
    };
    const chunks = jsonChunks(bundle);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeLessThan(2 * 64 * 1024 * 4);
    expect(Buffer.concat(chunks).equals(Buffer.from(JSON.stringify(bundle)))).toBe(true);
  });

  it('when keys hold undefined, functions, Dates or holes, then they are left out or written as JSON.stringify would', () => {
    const entry = Array.from({ length: 40 }, (_, i) => ({
      i,
      when: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    }));
    const body = {
      skipped: undefined,
      fn: () => 1,
      resourceType: 'Bundle',
      entry: [...entry, undefined, () => 2, null],
      after: { nested: undefined, kept: 1 },
      last: undefined,
    };
    expect(joined(body)).toBe(JSON.stringify(body));
    expect(joined({ entry: [...entry], first: 1 })).toBe(JSON.stringify({ entry: [...entry], first: 1 }));
  });

  it('when the body is small, not a plain object or has its own toJSON, then it is serialised whole', () => {
    const withToJson = { entry: Array.from({ length: 50 }, () => 1), toJSON: () => ({ replaced: true }) };
    for (const body of [
      { resourceType: 'OperationOutcome', issue: [] },
      withToJson,
      [1, 2, 3],
      'text',
      null,
      new (class Weird {
        entry = Array.from({ length: 50 }, () => 1);
      })(),
    ]) {
      expect(jsonChunks(body)).toHaveLength(1);
      expect(joined(body)).toBe(JSON.stringify(body));
    }
  });

  it('when entries straddle chunk edges in multi-byte text or are larger than a chunk, then no byte is lost or split and chunks stay within 64 kB', () => {
    const sizes = [1, 700, 21_845, 21_846, 30_000, 65_535, 65_536, 70_000, 200_000, 3, 64_000];
    const entry = sizes.flatMap((n, i) => [
      { i, text: 'é'.repeat(n) },
      { i, text: '😀'.repeat(Math.ceil(n / 4)) },
      { i, text: 'a'.repeat(n) },
    ]);
    const body = { resourceType: 'Bundle', entry: [...entry, ...entry, ...entry] };
    const chunks = jsonChunks(body);
    expect(Buffer.concat(chunks).equals(Buffer.from(JSON.stringify(body)))).toBe(true);
    // Each chunk decodes on its own: no character is cut between two chunks.
    expect(chunks.map((c) => c.toString('utf8')).join('')).toBe(JSON.stringify(body));
    // A chunk over 64 kB is one entry whose text alone is larger; every other chunk is within it.
    const entryTexts = new Set(entry.map((e) => JSON.stringify(e)));
    const oversized = chunks.filter((c) => c.length > 64 * 1024);
    expect(oversized.length).toBeGreaterThan(0);
    for (const chunk of oversized) expect(entryTexts.has(chunk.toString('utf8'))).toBe(true);
  });

  it('for seeded random JSON objects with entries anywhere among their keys, then the chunked bytes equal JSON.stringify', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = lcg(seed);
      const keys = Array.from({ length: Math.floor(random() * 6) }, () => [text(random), json(random, 3)]);
      const at = Math.floor(random() * (keys.length + 1));
      const entry = Array.from({ length: 32 + Math.floor(random() * 200) }, () => json(random, 4));
      const body = Object.fromEntries([...keys.slice(0, at), ['entry', entry], ...keys.slice(at)]) as object;
      expect(joined(body)).toBe(JSON.stringify(body));
    }
  });
});

/** A small seeded generator, so a failing case can be replayed from its seed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', '’', '😀', '\ud800', '/', '<'];

function text(random: () => number): string {
  return Array.from(
    { length: Math.floor(random() * 8) },
    () => ALPHABET[Math.floor(random() * ALPHABET.length)],
  ).join('');
}

function json(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 0 ? 9 : 6));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor(random() * 1e6) - 5e5;
    case 3:
      return random() * 1e3;
    case 4:
      return text(random);
    case 5:
      return undefined;
    case 6:
    case 7:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [text(random), json(random, depth - 1)]),
      );
    default:
      return Array.from({ length: Math.floor(random() * 4) }, () => json(random, depth - 1));
  }
}
