import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

/** The broker's own key: it signs client assertions and forwarded requester assertions. */
export interface SigningKey {
  readonly alg: 'ES384' | 'RS384';
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public half, as served at /.well-known/jwks.json. */
  readonly publicJwk: JWK;
}

/**
 * Loads a PEM private key (EC P-384 → ES384, RSA → RS384: the algorithms SMART Backend Services
 * requires servers to support), or, with none given, generates an ephemeral ES384 key.
 */
export async function loadSigningKey(pem?: string): Promise<SigningKey> {
  const privateKey: KeyObject = pem
    ? createPrivateKey(pem)
    : generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
  const alg = privateKey.asymmetricKeyType === 'rsa' ? 'RS384' : 'ES384';
  if (alg === 'ES384' && privateKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    throw new Error('The signing key must be an EC P-384 or an RSA key');
  }
  const jwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/**
 * The public JWK of a PEM key (public, or private of which only the public half is taken), as the
 * JWKS serves it: for keys published beside the signing key during a rotation.
 */
export async function publicJwkOf(pem: string): Promise<JWK> {
  const publicKey = createPublicKey(pem);
  const alg = publicKey.asymmetricKeyType === 'rsa' ? 'RS384' : 'ES384';
  if (alg === 'ES384' && publicKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    throw new Error('A published key must be an EC P-384 or an RSA key');
  }
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}
