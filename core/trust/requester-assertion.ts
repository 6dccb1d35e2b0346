import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { RELATIONSHIP_BASES, type Requester } from '../requester';
import type { SigningKey } from './signing-key';
import { TrustError } from './trust-error';

/** The header that carries the original user's identity from broker to broker. */
export const REQUESTER_HEADER = 'X-Hie-Requester';
/** The header that carries the brokers a request has passed through, first caller first. */
export const CHAIN_HEADER = 'X-Hie-Chain';

const claims = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(256).optional(),
  role: z.string().min(1).max(64),
  org: z.string().min(1).max(16),
  purpose: z.string().min(1).max(64),
  /** The relationship basis the calling broker established or was told, and its reason. */
  rel: z.enum(RELATIONSHIP_BASES).optional(),
  reason: z.string().max(500).optional(),
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
    ...(requester.name ? { name: requester.name } : {}),
    rel: requester.relationship?.basis ?? 'verified',
    ...(requester.relationship?.reason ? { reason: requester.relationship.reason } : {}),
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
      ...(parsed.name ? { name: parsed.name } : {}),
      role: parsed.role,
      organisationOds: parsed.org,
      purposeOfUse: parsed.purpose,
      // The calling broker vouches for the relationship; it releases nothing unless its own check passes.
      relationship: {
        basis: parsed.rel ?? 'verified',
        ...(parsed.reason ? { reason: parsed.reason } : {}),
        assertedBy: options.issuer,
      },
    };
  } catch (cause) {
    throw new TrustError('the requester assertion could not be verified', { cause });
  }
}
