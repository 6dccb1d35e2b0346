import { UnsecuredJWT } from 'jose';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { Requester } from '../../core/requester';
import {
  GPC_TOKEN_LIFETIME_SECONDS,
  SDS_ROLE_PROFILE_ID_SYSTEM,
  SDS_USER_ID_SYSTEM,
  gpcAccessToken,
} from './gpc-access-token';

/** The token as jose's UnsecuredJWT built it before, kept as the reference the direct encoding must equal. */
function joseToken(request: Parameters<typeof gpcAccessToken>[0]): string {
  const { requester, issuer } = request;
  const iat = Math.floor(request.now.getTime() / 1000);
  return new UnsecuredJWT({
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
  })
    .setIssuer(issuer)
    .setSubject(requester.userId)
    .setAudience(request.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + GPC_TOKEN_LIFETIME_SECONDS)
    .encode();
}

const requester = (overrides: Partial<Requester> = {}): Requester => ({
  userId: 'u-1001',
  role: 'R8000',
  organisationOds: 'X26',
  purposeOfUse: 'TREAT',
  ...overrides,
});

describe('GP Connect access token', () => {
  it('when built directly, then it is byte for byte the token jose built', () => {
    const requests = [
      {
        requester: requester(),
        audience: 'https://gp.example/fhir',
        issuer: 'https://broker.example',
        now: new Date(1_767_000_000_123),
      },
      {
        requester: requester({
          userId: 'Ó\u00e9 "q" \\ \u2028 \ud83d\ude00 \ud800',
          role: '</script>',
          organisationOds: '',
        }),
        audience: 'https://gp.example/fhir?a=b&c=ü',
        issuer: 'https://broker.example/x~y',
        now: new Date(0),
      },
      { requester: requester(), audience: '', issuer: '', now: new Date(-1500) },
    ];
    for (const request of requests) expect(gpcAccessToken(request)).toBe(joseToken(request));
  });

  it('when decoded as an unsecured JWT, then it carries the requester and lasts five minutes', () => {
    const now = new Date('2026-12-05T10:00:00Z');
    const token = gpcAccessToken({
      requester: requester(),
      audience: 'https://gp.example/fhir',
      issuer: 'https://broker.example',
      now,
    });

    const { header, payload } = UnsecuredJWT.decode(token, { currentDate: now });

    expect(header).toEqual({ alg: 'none' });
    expect(payload).toMatchObject({
      sub: 'u-1001',
      aud: 'https://gp.example/fhir',
      iss: 'https://broker.example',
    });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it('when the time is not a valid date, then no token is built, as jose refused it', () => {
    const request = { requester: requester(), audience: 'a', issuer: 'i', now: new Date(NaN) };

    expect(() => joseToken(request)).toThrow(TypeError);
    expect(() => gpcAccessToken(request)).toThrow(TypeError);
  });
});
