import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK } from 'jose';
import { TokenRejected, UserTokenVerifier } from '../broker/auth/user-token-verifier';

describe('verified user tokens are remembered, never past their time', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let dir: string;
  let jwksFile: string;

  const issuer = (clockToleranceSeconds: number) => ({
    issuer: 'https://idp.test',
    jwksFile,
    algorithms: ['ES256' as const],
    audience: 'hie-broker',
    clockToleranceSeconds,
    claims: { userId: 'sub', name: 'name', role: 'role', organisation: 'org', purpose: 'purpose_of_use' },
  });

  const token = (sub: string, expiresIn: string | number = '5m') =>
    new SignJWT({ role: 'R8000', org: 'Y90001', purpose_of_use: 'TREAT' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp.test')
      .setAudience('hie-broker')
      .setSubject(sub)
      .setExpirationTime(expiresIn)
      .sign(privateKey);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'token-cache-'));
    jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when the same token comes again, then it is answered from memory as the same person', async () => {
    const verifier = new UserTokenVerifier([issuer(0)]);
    const jwt = await token('555000000001');
    const first = await verifier.verify(jwt);
    expect(verifier.rememberedTokens).toBe(1);
    expect(await verifier.verify(jwt)).toEqual(first);
    expect(verifier.rememberedTokens).toBe(1);
    // Shared by every request with the token, so nothing may change it.
    expect(Object.isFrozen(await verifier.verify(jwt))).toBe(true);
  });

  it('when a remembered token expires, then it is refused like any expired token', async () => {
    const verifier = new UserTokenVerifier([issuer(0)]);
    const jwt = await token('555000000002', Math.floor(Date.now() / 1000) + 2);
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ userId: '555000000002' });
    await new Promise((resolve) => setTimeout(resolve, 2600));
    await expect(verifier.verify(jwt)).rejects.toBeInstanceOf(TokenRejected);
    expect(verifier.rememberedTokens).toBe(0);
  });

  it('when a token is refused, or is a remembered one with its signature changed, then nothing is remembered for it', async () => {
    const verifier = new UserTokenVerifier([issuer(0)]);
    const jwt = await token('555000000003');
    await verifier.verify(jwt);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect(verifier.verify(tampered)).rejects.toBeInstanceOf(TokenRejected);
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'https://idp.test', aud: 'hie-broker', exp: 9999999999 })).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(TokenRejected);
    expect(verifier.rememberedTokens).toBe(1);
  });

  it('when more tokens arrive than it may hold, then the oldest are forgotten', async () => {
    const verifier = new UserTokenVerifier([issuer(0)], { cache: { maxEntries: 2, maxAgeMs: 60_000 } });
    for (const sub of ['a1', 'a2', 'a3', 'a4']) await verifier.verify(await token(sub));
    expect(verifier.rememberedTokens).toBe(2);
  });

  it('when the cache is turned off, then nothing is remembered', async () => {
    const verifier = new UserTokenVerifier([issuer(0)], { cache: { maxEntries: 0, maxAgeMs: 0 } });
    await verifier.verify(await token('555000000004'));
    expect(verifier.rememberedTokens).toBe(0);
  });
});
