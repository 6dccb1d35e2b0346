import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Requester } from '../../adapters/contract';
import type { SigningKey } from './signing-key';
import { TrustError } from './system-tokens';

/** The header that carries the original user's identity from broker to broker. */
export const REQUESTER_HEADER = 'X-Hie-Requester';
/** The header that carries the brokers a request has passed through, first caller first. */
export const CHAIN_HEADER = 'X-Hie-Chain';

const claims = z.object({
  sub: z.string().min(1).max(128),
  role: z.string().min(1).max(64),
  org: z.string().min(1).max(16),
  purpose: z.string().min(1).max(64),
});

/** Signs the requester's identity for a peer: short-lived, for that peer only, never containing the patient. */
export function signRequesterAssertion(options: {
  key: SigningKey;
  issuer: string;
  audience: string;
  requester: Requester;
}): Promise<string> {
  const { requester } = options;
  return new SignJWT({
    role: requester.role,
    org: requester.organisationOds,
    purpose: requester.purposeOfUse,
  })
    .setProtectedHeader({ alg: options.key.alg, kid: options.key.kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setSubject(requester.userId)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(options.key.privateKey);
}

/** Verifies a peer's requester assertion with the peer's own keys. */
export async function verifyRequesterAssertion(
  jwt: string,
  options: { keys: JWTVerifyGetKey; issuer: string; audience: string },
): Promise<Requester> {
  try {
    const { payload } = await jwtVerify(jwt, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['ES384', 'RS384'],
      maxTokenAge: '5m',
      requiredClaims: ['exp'],
    });
    const parsed = claims.parse(payload);
    return {
      userId: parsed.sub,
      role: parsed.role,
      organisationOds: parsed.org,
      purposeOfUse: parsed.purpose,
    };
  } catch (cause) {
    throw new TrustError('the requester assertion could not be verified', { cause });
  }
}
