import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportSPKI, importJWK } from 'jose';
import { DEMO_AUDIENCE, DEMO_ISSUER, PERSONAS } from '../sim/identity-provider';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { getFhir } from './support/fhir-http';
import { bearer, testIdentity } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const gp = PERSONAS.gp;

/** A token signed with a key the broker does not trust, or shaped however a test needs. */
async function foreignToken(
  options: { kid?: string; header?: Record<string, unknown>; claims?: Record<string, unknown> } = {},
) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return new SignJWT({ role: gp.role, org: gp.organisationOds, purpose_of_use: 'TREAT', ...options.claims })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'JWT',
      ...(options.kid ? { kid: options.kid } : {}),
      ...options.header,
    })
    .setIssuer(DEMO_ISSUER)
    .setAudience(DEMO_AUDIENCE)
    .setSubject(gp.userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

describe('who may look: authentication and role', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  const as = (token: string) =>
    getFhir(`${t.fhir}/Patient/${RICH}/$everything`, { headers: { authorization: `Bearer ${token}` } });
  const reject401 = async (token: string) => {
    const answer = await as(token);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.stringify(answer.body)).not.toMatch(/9000000009|Clarke/);
  };

  it('when no token is sent, then every patient-data route answers 401 and the CapabilityStatement stays public', async () => {
    for (const path of [
      `/fhir/Patient/${RICH}/$everything`,
      `/fhir/Patient/${RICH}`,
      `/fhir/Condition?patient=${RICH}`,
      `/api/v1/patients/${RICH}/record`,
    ]) {
      const response = await fetch(`${t.broker.url}${path}`);
      expect(response.status).toBe(401);
    }
    expect((await fetch(`${t.fhir}/metadata`)).status).toBe(200);
  });

  it("when a clinician's token from the trusted provider is sent, then the record is released", async () => {
    const answer = await getFhir(`${t.fhir}/Patient/${RICH}/$everything`, {
      headers: { authorization: await bearer('gp') },
    });
    expect(answer.status).toBe(200);
  });

  it('when the token is unsigned (alg none), then 401', async () => {
    const unsigned = new UnsecuredJWT({ role: 'R8000', org: 'Y90001', purpose_of_use: 'TREAT' })
      .setIssuer(DEMO_ISSUER)
      .setAudience(DEMO_AUDIENCE)
      .setSubject(gp.userId)
      .setExpirationTime('1h')
      .encode();
    await reject401(unsigned);
  });

  it("when the token is HS256-signed with the provider's public key as the secret, then 401", async () => {
    const idp = await testIdentity();
    const publicPem = await exportSPKI(
      (await importJWK(idp.jwks.keys[0]!, 'ES256')) as Parameters<typeof exportSPKI>[0],
    );
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = `${encode({ alg: 'HS256', typ: 'JWT', kid: idp.kid })}.${encode({ iss: DEMO_ISSUER, aud: DEMO_AUDIENCE, sub: gp.userId, role: 'R8000', org: 'Y90001', purpose_of_use: 'TREAT', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const signature = createHmac('sha256', publicPem).update(body).digest('base64url');
    await reject401(`${body}.${signature}`);
  });

  it('when the signature is not the provider’s (unknown kid, a kid with path or SQL text, a jku elsewhere), then 401', async () => {
    await reject401(await foreignToken({ kid: 'no-such-key' }));
    await reject401(await foreignToken({ kid: '../../etc/passwd' }));
    await reject401(await foreignToken({ kid: "1' OR '1'='1" }));
    await reject401(await foreignToken({ header: { jku: 'http://127.0.0.1:9/jwks.json' } }));
  });

  it('when the claims are wrong (expired, not yet valid, wrong audience, issuer or typ, tampered), then 401', async () => {
    const idp = await testIdentity();
    await reject401(await idp.token('gp', { ttlSeconds: -120 }));
    await reject401(await idp.token('gp', { claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }));
    await reject401(await idp.token('gp', { claims: { aud: 'someone-else' } }));
    await reject401(await idp.token('gp', { claims: { iss: 'https://evil.example' } }));
    const token = await idp.token('gp');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const tampered = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    tampered.role = 'R8000';
    tampered.org = 'R1X';
    await reject401(`${header}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}`);
    const wrongTyp = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
    await reject401(
      `${Buffer.from(JSON.stringify({ ...wrongTyp, typ: 'at+jwt' })).toString('base64url')}.${payload}.${signature}`,
    );
  });

  it('when the token has no role, an unknown role, or a purpose other than direct care, then 403 says why', async () => {
    const idp = await testIdentity();
    const cases: [string, RegExp][] = [
      [await idp.token('gp', { claims: { role: undefined } }), /carries no role/],
      [await idp.token('gp', { claims: { role: 'R9999' } }), /role R9999 gives no access/],
      [await idp.token('privacy-officer'), /Health Records Manager role is for governance duties/],
      [
        await idp.token('gp', { claims: { purpose_of_use: 'HMARKT' } }),
        /direct care only: state purpose of use TREAT, ETREAT or BTG/,
      ],
    ];
    for (const [token, text] of cases) {
      const answer = await as(token);
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).toMatch(text);
    }
  });

  it('when a receptionist opens the record, then only appointments come back, and asking for conditions is refused', async () => {
    const receptionist = { headers: { authorization: await bearer('receptionist') } };
    const everything = await getFhir<{
      entry: { search: { mode: string }; resource: { resourceType: string } }[];
    }>(`${t.fhir}/Patient/${RICH}/$everything`, receptionist);
    expect(everything.status).toBe(200);
    const types = new Set(
      everything.body.entry.filter((e) => e.search.mode === 'match').map((e) => e.resource.resourceType),
    );
    expect([...types].sort()).toEqual(['Appointment', 'Patient']);
    const conditions = await getFhir(`${t.fhir}/Condition?patient=${RICH}`, receptionist);
    expect(conditions.status).toBe(403);
    expect(JSON.stringify(conditions.body)).toMatch(/The Clerical role may not see Condition/);
  });

  it('when a user header or a forwarded address is forged, then it is ignored: only the token decides', async () => {
    const answer = await getFhir(`${t.fhir}/Patient/${RICH}/$everything`, {
      headers: {
        authorization: '',
        'x-user-id': 'admin',
        'x-forwarded-for': '10.0.0.1',
        'x-hie-requester': 'eyJhbGciOiJub25lIn0.e30.',
      },
    });
    expect(answer.status).toBe(401);
  });
});
