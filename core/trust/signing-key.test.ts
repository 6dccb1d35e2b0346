import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { signRequesterAssertion, verifyRequesterAssertion } from './requester-assertion';
import { loadFederationKey, loadSigningKey, publicJwkOf } from './signing-key';

const pem = (pair: {
  privateKey: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer };
}): string => pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ed25519 = (): string => pem(generateKeyPairSync('ed25519'));
const ec = (namedCurve: string): string => pem(generateKeyPairSync('ec', { namedCurve }));
const rsa = (): string => pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));

describe('the federation key', () => {
  test('when an Ed25519 PEM is given, then it signs with EdDSA and its public JWK is an OKP key named by its thumbprint', async () => {
    const key = await loadFederationKey(ed25519());
    expect(key.alg).toBe('EdDSA');
    expect(key.publicJwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: key.kid,
    });
    expect(key.publicJwk.d).toBeUndefined();
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('when an EC P-256 PEM is given, then it signs with ES256', async () => {
    const key = await loadFederationKey(ec('prime256v1'));
    expect(key.alg).toBe('ES256');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
  });

  test('when none is given, then an ephemeral Ed25519 key is made', async () => {
    const [a, b] = await Promise.all([loadFederationKey(), loadFederationKey()]);
    expect(a.alg).toBe('EdDSA');
    expect(a.kid).not.toBe(b.kid);
  });

  test.each([
    ['an EC P-384 (the signing key kind)', () => ec('secp384r1')],
    ['an EC P-521', () => ec('secp521r1')],
    ['an RSA', rsa],
    ['an Ed448', () => pem(generateKeyPairSync('ed448'))],
  ])('when %s key is given, then it is refused', async (_kind, make) => {
    await expect(loadFederationKey(make())).rejects.toThrow(
      'The federation key must be an Ed25519 or an EC P-256 key',
    );
  });

  test('when an Ed25519 or P-256 key is given as the signing key, then it is refused: SMART needs ES384 or RS384', async () => {
    await expect(loadSigningKey(ed25519())).rejects.toThrow(
      'The signing key must be an EC P-384 or an RSA key',
    );
    await expect(loadSigningKey(ec('prime256v1'))).rejects.toThrow(
      'The signing key must be an EC P-384 or an RSA key',
    );
  });

  test('when an Ed25519 key is published for a rotation, then its public JWK is served with alg EdDSA', async () => {
    const key = await loadFederationKey(ed25519());
    const published = await publicJwkOf(key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(published).toEqual(key.publicJwk);
    await expect(publicJwkOf(ec('secp521r1'))).rejects.toThrow('A published key must be');
  });

  test('when a requester assertion is signed with the federation key, then a peer holding its JWKS verifies it', async () => {
    const key = await loadFederationKey(ed25519());
    const signing = await loadSigningKey();
    const jwt = await signRequesterAssertion({
      key,
      issuer: 'nw-london',
      audience: 'https://peer.example/fhir',
      requester: { userId: '555000000001', role: 'R8000', organisationOds: 'Y90001', purposeOfUse: 'TREAT' },
      nhsNumber: '9000000009',
    });
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'EdDSA', kid: key.kid });
    const requester = await verifyRequesterAssertion(jwt, {
      // As the broker's JWKS serves them: the signing key first, the federation key beside it.
      keys: createLocalJWKSet({ keys: [signing.publicJwk, key.publicJwk] }),
      issuer: 'nw-london',
      audience: 'https://peer.example/fhir',
      claimOnce: () => Promise.resolve(true),
    });
    expect(requester).toMatchObject({ userId: '555000000001', role: 'R8000' });
  });
});
