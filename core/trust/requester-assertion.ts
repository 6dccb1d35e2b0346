import { createHash, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { RELATIONSHIP_BASES, type Requester } from '../requester';
import { REQUESTER_ASSERTION_ALGS, type FederationKey } from './signing-key';
import { TrustError } from './trust-error';

/** The header that carries the original user's identity from broker to broker. */
export const REQUESTER_HEADER = 'X-Hie-Requester';
/** The header that carries the brokers a request has passed through, first caller first. */
export const CHAIN_HEADER = 'X-Hie-Chain';

/** A requester assertion lives at most this long (exp - iat), and expires at most this far ahead. */
export const REQUESTER_ASSERTION_LIFETIME_LIMIT_S = 300;
/** Clock skew allowed between brokers when checking how far ahead an assertion expires. */
const CLOCK_TOLERANCE_S = 30;

const claims = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(256).optional(),
  role: z.string().min(1).max(64),
  org: z.string().min(1).max(16),
  purpose: z.string().min(1).max(64),
  /** The relationship basis the calling broker established or was told, and its reason. */
  rel: z.enum(RELATIONSHIP_BASES).optional(),
  reason: z.string().max(500).optional(),
  jti: z.string().min(1).max(128),
  iat: z.number(),
  exp: z.number(),
  /** The one patient the assertion is for: see patientHash. */
  nhs_sha256: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/**
 * How an assertion names the patient it is for without carrying the NHS number: the SHA-256 of the
 * NHS number, base64url. The receiving broker compares it with the patient asked for.
 */
export function patientHash(nhsNumber: string): string {
  return createHash('sha256').update(nhsNumber).digest('base64url');
}

/** Whether a requester may be answered about this patient: a vouched-for person only about the one in the assertion. */
export function requesterFitsPatient(requester: Requester, nhsNumber: string): boolean {
  return requester.forPatient === undefined || requester.forPatient === patientHash(nhsNumber);
}

/** Signs the requester's identity for a peer: short-lived, single-use, for that peer and that patient only. */
export function signRequesterAssertion(options: {
  /** The broker's federation key (the signing key itself unless one is configured). */
  key: FederationKey;
  issuer: string;
  audience: string;
  requester: Requester;
  /** The patient the request is about. */
  nhsNumber: string;
}): Promise<string> {
  const { requester } = options;
  return new SignJWT({
    role: requester.role,
    org: requester.organisationOds,
    purpose: requester.purposeOfUse,
    ...(requester.name ? { name: requester.name } : {}),
    rel: requester.relationship?.basis ?? 'verified',
    ...(requester.relationship?.reason ? { reason: requester.relationship.reason } : {}),
    nhs_sha256: patientHash(options.nhsNumber),
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

/**
 * Verifies a peer's requester assertion with the peer's own keys: for this broker (the configured
 * audience), living at most five minutes, used once (`claimOnce` remembers its jti until it
 * expires), and bound to one patient (the Requester's `forPatient`).
 */
export async function verifyRequesterAssertion(
  jwt: string,
  options: {
    keys: JWTVerifyGetKey;
    issuer: string;
    audience: string;
    /** True the first time this jti is presented; false for a replay. */
    claimOnce: (jti: string, expiresAtSeconds: number) => Promise<boolean>;
  },
): Promise<Requester> {
  let parsed: z.infer<typeof claims>;
  try {
    const { payload } = await jwtVerify(jwt, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      // A peer signs with its federation key (EdDSA, ES256) or, without one, its signing key.
      algorithms: [...REQUESTER_ASSERTION_ALGS],
      maxTokenAge: `${REQUESTER_ASSERTION_LIFETIME_LIMIT_S}s`,
      requiredClaims: ['exp', 'iat', 'jti'],
    });
    parsed = claims.parse(payload);
  } catch (cause) {
    throw new TrustError('the requester assertion could not be verified', { cause });
  }
  const now = Math.floor(Date.now() / 1000);
  if (
    parsed.exp - parsed.iat > REQUESTER_ASSERTION_LIFETIME_LIMIT_S ||
    parsed.exp > now + REQUESTER_ASSERTION_LIFETIME_LIMIT_S + CLOCK_TOLERANCE_S
  ) {
    throw new TrustError('the requester assertion must live at most 5 minutes');
  }
  if (!(await options.claimOnce(parsed.jti, parsed.exp))) {
    throw new TrustError('the requester assertion was already used');
  }
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
    forPatient: parsed.nhs_sha256,
  };
}
