import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

/** What SMART Backend Services requires servers to support for client assertions: the signing key's algorithms. */
export const SMART_SIGNING_ALGS = ['ES384', 'RS384'] as const;
export type SmartSigningAlg = (typeof SMART_SIGNING_ALGS)[number];

/**
 * The cheaper algorithms a federation key may use for broker-to-broker requester assertions (one per
 * view): Ed25519 (EdDSA), or EC P-256 (ES256) where the key store has no Ed25519.
 */
export const FEDERATION_ONLY_ALGS = ['EdDSA', 'ES256'] as const;

/** Every algorithm a broker signs requester assertions with, and so every one a peer's assertion may use. */
export const REQUESTER_ASSERTION_ALGS = [...FEDERATION_ONLY_ALGS, ...SMART_SIGNING_ALGS] as const;
export type BrokerKeyAlg = (typeof REQUESTER_ASSERTION_ALGS)[number];

/**
 * A key of the broker's: the signing key (ES384/RS384, the default type: client assertions, tokens,
 * notifications) or the federation key (`FederationKey`: requester assertions to peers, which may
 * also be the signing key itself).
 */
export interface SigningKey<A extends BrokerKeyAlg = SmartSigningAlg> {
  readonly alg: A;
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public half, as served at /.well-known/jwks.json. */
  readonly publicJwk: JWK;
}

/** The key the broker signs requester assertions to peers with. */
export type FederationKey = SigningKey<BrokerKeyAlg>;

/** The JWS algorithm a key's type implies (RSA → RS384: the broker never signs RSA with another hash). */
function algOf(key: KeyObject): BrokerKeyAlg | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS384';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? 'ES384' : curve === 'prime256v1' ? 'ES256' : undefined;
    }
    default:
      return undefined;
  }
}

async function withPublicJwk<A extends BrokerKeyAlg>(privateKey: KeyObject, alg: A): Promise<SigningKey<A>> {
  const publicJwk = await publicJwkFor(createPublicKey(privateKey), alg);
  return { alg, kid: publicJwk.kid!, privateKey, publicJwk };
}

async function publicJwkFor(publicKey: KeyObject, alg: BrokerKeyAlg): Promise<JWK> {
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return (values as readonly string[]).includes(value ?? '');
}

/**
 * Loads a PEM private key (EC P-384 → ES384, RSA → RS384: the algorithms SMART Backend Services
 * requires servers to support), or, with none given, generates an ephemeral ES384 key.
 */
export async function loadSigningKey(pem?: string): Promise<SigningKey> {
  const privateKey: KeyObject = pem
    ? createPrivateKey(pem)
    : generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
  const alg = algOf(privateKey);
  if (!isOneOf(SMART_SIGNING_ALGS, alg)) throw new Error('The signing key must be an EC P-384 or an RSA key');
  return withPublicJwk(privateKey, alg);
}

/**
 * Loads the federation key from a PEM private key (Ed25519 → EdDSA, EC P-256 → ES256), or, with none
 * given, generates an ephemeral Ed25519 key. A P-384 or RSA key is refused: that is the signing key's
 * kind, which signs requester assertions anyway when no federation key is configured.
 */
export async function loadFederationKey(pem?: string): Promise<FederationKey> {
  const privateKey: KeyObject = pem ? createPrivateKey(pem) : generateKeyPairSync('ed25519').privateKey;
  const alg = algOf(privateKey);
  if (!isOneOf(FEDERATION_ONLY_ALGS, alg)) {
    throw new Error('The federation key must be an Ed25519 or an EC P-256 key');
  }
  return withPublicJwk(privateKey, alg);
}

/**
 * The public JWK of a PEM key (public, or private of which only the public half is taken), as the
 * JWKS serves it: for keys published beside the signing and federation keys during a rotation.
 */
export async function publicJwkOf(pem: string): Promise<JWK> {
  const publicKey = createPublicKey(pem);
  const alg = algOf(publicKey);
  if (!alg) throw new Error('A published key must be an EC P-384, EC P-256, RSA or Ed25519 key');
  return publicJwkFor(publicKey, alg);
}
