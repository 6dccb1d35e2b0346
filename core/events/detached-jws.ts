import { compactVerify, FlattenedSign, type JWTVerifyGetKey, type KeyObject } from 'jose';

/** The header that carries a notification's signature: a JWS over the exact body, its payload detached (RFC 7515 appendix F). */
export const SIGNATURE_HEADER = 'X-Hie-Signature';

/** `protected..signature` over the body's bytes, signed with the broker's key. */
export async function signDetached(
  body: string,
  key: { readonly alg: string; readonly kid: string; readonly privateKey: KeyObject },
): Promise<string> {
  const jws = await new FlattenedSign(new TextEncoder().encode(body))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JOSE' })
    .sign(key.privateKey);
  return `${jws.protected}..${jws.signature}`;
}

/** Whether `signature` is a detached JWS over exactly `body` by one of the keys (e.g. the broker's JWKS). */
export async function verifyDetached(
  body: string,
  signature: string,
  keys: JWTVerifyGetKey,
): Promise<boolean> {
  const [protectedHeader, empty, sig] = signature.split('.');
  if (!protectedHeader || empty !== '' || !sig) return false;
  try {
    const payload = Buffer.from(body, 'utf8').toString('base64url');
    await compactVerify(`${protectedHeader}.${payload}.${sig}`, keys, { algorithms: ['ES384', 'RS384'] });
    return true;
  } catch {
    return false;
  }
}
