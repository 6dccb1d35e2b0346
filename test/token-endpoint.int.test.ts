import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompactSign,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWTPayload,
} from 'jose';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { registeredPeer, startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CLIENT = 'north-thames';
const OTHER_CLIENT = 'south-east';

interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('the token endpoint (SMART Backend Services) against hostile clients', () => {
  let store: RunningFhirNode;
  let jwksServer: Server;
  let privateKey: CryptoKey;
  let broker: BrokerUnderTest;
  let tokenUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES384');
    privateKey = pair.privateKey;
    const jwks = JSON.stringify({
      keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' }],
    });
    // The peer's JWKS, as its own server would publish it.
    jwksServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(jwks));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    store = await startFhirNode({ dataset: generatePopulation({ size: 2 }).nodes.gp });
    broker = await startBrokerUnderTest({
      id: 'token-host',
      sources: [
        {
          id: 'gp',
          kind: 'fhir-r4',
          name: 'Store',
          odsCode: 'Y90001',
          baseUrl: store.baseUrl,
          supplies: ['Condition'],
        },
      ],
      peers: [
        registeredPeer({ clientId: CLIENT, name: 'North Thames', jwksUrl }),
        registeredPeer({ clientId: OTHER_CLIENT, name: 'South East', jwksUrl }),
      ],
    });
    tokenUrl = `${broker.url}/oauth/token`;
  });
  afterAll(async () => {
    await broker.close();
    await store.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  /** A client assertion signed with the registered key; any claim may be overridden (undefined removes it). */
  const assertion = (claims: JWTPayload = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: CLIENT,
      sub: CLIENT,
      aud: tokenUrl,
      exp: now + 240,
      jti: randomUUID(),
      ...claims,
    };
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' }).sign(privateKey);
  };

  const post = async (
    form: Record<string, string>,
    contentType = 'application/x-www-form-urlencoded',
  ): Promise<TokenAnswer> => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const request = async (signed: string, overrides: Record<string, string> = {}): Promise<TokenAnswer> =>
    post({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: signed,
      scope: 'system/*.read',
      ...overrides,
    });

  it('when a registered client asks properly, then it gets a bearer token that lives at most 300 s', async () => {
    const answer = await request(await assertion());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'bearer', scope: 'system/*.read' });
    expect(answer.body.expires_in).toBeLessThanOrEqual(300);
    const claims = decodeJwt(answer.body.access_token as string);
    expect(claims.sub).toBe(CLIENT);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
  });

  it('when a client assertion is replayed (same jti), then the second use is refused', async () => {
    const signed = await assertion();
    expect((await request(signed)).status).toBe(200);
    const replay = await request(signed);
    expect(replay).toEqual({
      status: 400,
      body: {
        error: 'invalid_client',
        error_description: 'The client assertion was refused: the assertion was already used.',
      },
    });
  });

  it('when the assertion expires 10 minutes ahead, then it is refused', async () => {
    const answer = await request(await assertion({ exp: Math.floor(Date.now() / 1000) + 600 }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_client' });
    expect(answer.body.error_description).toMatch(/expires too far ahead/);
  });

  it('when the audience is the FHIR base instead of the token URL, then it is refused', async () => {
    const answer = await request(await assertion({ aud: broker.fhir }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'The client assertion was refused: the client assertion could not be verified.',
    });
  });

  it('when iss and sub differ (even both registered), then it is refused', async () => {
    const answer = await request(await assertion({ sub: OTHER_CLIENT }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'The client assertion was refused: iss and sub must both be the client id.',
    });
  });

  it('when the grant type is not client_credentials, then unsupported_grant_type', async () => {
    for (const grant of ['password', 'authorization_code', '']) {
      const answer = await request(await assertion(), { grant_type: grant });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('unsupported_grant_type');
    }
  });

  it('when the client assertion type is not jwt-bearer, then invalid_client', async () => {
    const answer = await request(await assertion(), {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_client');
  });

  it('when a parameter is repeated or the body is not a form, then invalid_request', async () => {
    const repeated = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&grant_type=client_credentials&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${await assertion()}`,
    });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request' });
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('when the assertion carries __proto__ keys and deep nesting, then it is refused by size or handled, and nothing is polluted', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Signed as raw bytes: jose's SignJWT would itself overflow the stack serialising 10,000 levels.
    const nested = (depth: number): Promise<string> =>
      new CompactSign(
        new TextEncoder().encode(
          `{"iss":"${CLIENT}","sub":"${CLIENT}","aud":"${tokenUrl}","exp":${now + 240},"jti":"${randomUUID()}",` +
            `"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},` +
            `"deep":${'['.repeat(depth)}{"__proto__":{"polluted":"yes"}}${']'.repeat(depth)}}`,
        ),
      )
        .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' })
        .sign(privateKey);
    expect((await request(await nested(10_000))).status).toBe(413);
    const handled = await request(await nested(4_000));
    expect(handled.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
