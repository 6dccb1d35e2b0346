import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK } from 'jose';
import { TokenRejected, UserTokenVerifier } from '../broker/auth/user-token-verifier';

/** A real JWKS server that counts its requests and can be made to hang. */
async function jwksServer(
  keys: object[],
): Promise<{ url: string; hits: () => number; hang: (on: boolean) => void; close: () => Promise<void> }> {
  let hits = 0;
  let hanging = false;
  const server: Server = createServer((_req, res) => {
    hits++;
    if (hanging) return;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    hits: () => hits,
    hang: (on) => {
      hanging = on;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('user tokens against a remote JWKS', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let kid: string;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let spy: Awaited<ReturnType<typeof jwksServer>>;
  let verifier: UserTokenVerifier;

  const token = (header: Record<string, unknown> = {}) =>
    new SignJWT({ role: 'R8000', org: 'Y90001', purpose_of_use: 'TREAT' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid, ...header })
      .setIssuer('https://idp.test')
      .setAudience('hie-broker')
      .setSubject('555000000001')
      .setExpirationTime('5m')
      .sign(privateKey);

  beforeAll(async () => {
    const jwk = await exportJWK(publicKey);
    kid = await calculateJwkThumbprint(jwk);
    jwks = await jwksServer([{ ...jwk, kid, alg: 'ES256' }]);
    spy = await jwksServer([]);
    verifier = new UserTokenVerifier(
      [
        {
          issuer: 'https://idp.test',
          jwksUrl: jwks.url,
          algorithms: ['ES256'],
          audience: 'hie-broker',
          clockToleranceSeconds: 5,
          typ: 'JWT',
          claims: {
            userId: 'sub',
            name: 'name',
            role: 'role',
            organisation: 'org',
            purpose: 'purpose_of_use',
          },
        },
      ],
      { jwksTimeoutMs: 300, jwksCooldownMs: 60_000 },
    );
  });
  afterAll(async () => {
    await jwks.close();
    await spy.close();
  });

  it('when a valid token arrives, then the keys are fetched once and the person is read from it', async () => {
    expect(await verifier.verify(await token())).toMatchObject({ userId: '555000000001', role: 'R8000' });
    await verifier.verify(await token());
    expect(jwks.hits()).toBe(1);
  });

  it('when a flood of unknown kids arrives, then each is refused and the JWKS is refetched at most once per cooldown', async () => {
    const before = jwks.hits();
    for (let i = 0; i < 25; i++) {
      await expect(verifier.verify(await token({ kid: `unknown-${i}` }))).rejects.toBeInstanceOf(
        TokenRejected,
      );
    }
    expect(jwks.hits() - before).toBeLessThanOrEqual(1);
  });

  it('when a token names a jku, then it is refused and nothing is fetched from there', async () => {
    await expect(verifier.verify(await token({ jku: spy.url }))).rejects.toThrow(TokenRejected);
    expect(spy.hits()).toBe(0);
  });

  it('when the JWKS server hangs, then cached keys keep working and an unknown kid fails within the timeout', async () => {
    jwks.hang(true);
    try {
      expect(await verifier.verify(await token())).toMatchObject({ userId: '555000000001' });
      const fresh = new UserTokenVerifier(
        [
          {
            issuer: 'https://idp.test',
            jwksUrl: jwks.url,
            algorithms: ['ES256'],
            audience: 'hie-broker',
            clockToleranceSeconds: 5,
            claims: {
              userId: 'sub',
              name: 'name',
              role: 'role',
              organisation: 'org',
              purpose: 'purpose_of_use',
            },
          },
        ],
        { jwksTimeoutMs: 300 },
      );
      const started = Date.now();
      await expect(fresh.verify(await token())).rejects.toBeInstanceOf(TokenRejected);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      jwks.hang(false);
    }
  });
});
