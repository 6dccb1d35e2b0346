import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { startTestRegion, type TestRegion } from './support/test-region';

/** A rotation of the broker's signing key with overlap: the JWKS serves the next key before it signs. */
describe('publishing a second key for a rotation', () => {
  let t: TestRegion;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hie-keys-'));
    const pem = (type: 'ec' | 'rsa'): { privatePem: string; publicPem: string } => {
      const pair =
        type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      return {
        privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      };
    };
    const current = pem('ec');
    const next = pem('rsa');
    writeFileSync(path.join(dir, 'current.pem'), current.privatePem);
    // The next key as its private PEM (as an operator would mount it): only its public half may be served.
    writeFileSync(path.join(dir, 'next.pem'), next.privatePem);
    writeFileSync(path.join(dir, 'current-public.pem'), current.publicPem);
    t = await startTestRegion({
      config: {
        broker: {
          signingKey: { file: path.join(dir, 'current.pem') },
          publishedKeys: [
            { file: path.join(dir, 'next.pem') },
            { file: path.join(dir, 'current-public.pem') },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when a next key is published, then the JWKS serves the signing key first and the next key beside it, public halves only', async () => {
    const response = await fetch(`${t.broker.url}/.well-known/jwks.json`);
    const { keys } = (await response.json()) as { keys: JWK[] };
    // The signing key's own public PEM, published too, is served once.
    expect(keys.map((k) => [k.kty, k.alg])).toEqual([
      ['EC', 'ES384'],
      ['RSA', 'RS384'],
    ]);
    expect(new Set(keys.map((k) => k.kid)).size).toBe(2);
    for (const key of keys) {
      expect(key.use).toBe('sig');
      expect(key.d).toBeUndefined();
      expect(key.p).toBeUndefined();
    }
  });
});
