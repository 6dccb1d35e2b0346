import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { Requester } from '../../core/requester';

export const SDS_USER_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
export const SDS_ROLE_PROFILE_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';

/** How long a GP Connect access token is valid: the specification fixes it at five minutes. */
export const GPC_TOKEN_LIFETIME_SECONDS = 300;

/** `{"alg":"none"}`, base64url: the header of every unsigned JWT. */
const UNSECURED_HEADER = Buffer.from(JSON.stringify({ alg: 'none' }), 'utf8').toString('base64url');

/**
 * The GP Connect access token: an unsigned JWT (alg none, as the specification requires) carrying audit and
 * provenance — who asks, for which organisation, through which system — for one request. It never names the
 * patient: the NHS number travels only in the request body.
 */
export function gpcAccessToken(request: {
  readonly requester: Requester;
  /** The provider's endpoint (the request's FHIR base). */
  readonly audience: string;
  /** The broker's system URL. */
  readonly issuer: string;
  readonly now: Date;
}): string {
  const { requester, issuer } = request;
  const iat = Math.floor(request.now.getTime() / 1000);
  if (!Number.isFinite(iat)) throw new TypeError('GP Connect access token: the time is not a valid date');
  // Built directly, not with jose's UnsecuredJWT, which structuredClones the claims on every request: an
  // unsigned JWT is the two base64url JSON parts and an empty signature, byte for byte what jose wrote
  // (gpc-access-token.test.ts holds the two side by side).
  const claims = {
    reason_for_request: 'directcare',
    requested_scope: 'patient/*.read',
    requesting_device: {
      resourceType: 'Device',
      identifier: [{ system: `${issuer}/Id/device`, value: 'hie-broker' }],
      model: 'HIE Broker',
      version: '0.1.0',
      url: issuer,
    },
    requesting_organization: {
      resourceType: 'Organization',
      identifier: [{ system: ODS_CODE_SYSTEM, value: requester.organisationOds }],
    },
    requesting_practitioner: {
      resourceType: 'Practitioner',
      id: requester.userId,
      identifier: [
        { system: SDS_USER_ID_SYSTEM, value: requester.userId },
        { system: SDS_ROLE_PROFILE_ID_SYSTEM, value: requester.role },
      ],
    },
    iss: issuer,
    sub: requester.userId,
    aud: request.audience,
    iat,
    exp: iat + GPC_TOKEN_LIFETIME_SECONDS,
  };
  return `${UNSECURED_HEADER}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}.`;
}
