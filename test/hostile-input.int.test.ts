import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { bearer, testIdentity } from './support/identity';

const HOSTILE_ISSUER = 'https://hostile-claims.idp.test';

const RICH = DEMO_NHS_NUMBERS.rich;
const DEEP = 10_000;
/** As deep as still fits in a 16 kB header once base64url-encoded in a token. */
const DEEP_THAT_FITS = 4_000;
const polluted = (): unknown => ({}) as Record<string, unknown>;

/** JSON nested `depth` deep, with prototype-pollution keys at the top and at the bottom. */
const hostileJson = (depth: number): string =>
  `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"deep":${'['.repeat(depth)}{"__proto__":{"polluted":"yes"}}${']'.repeat(depth)}}`;

describe('hostile input: deep nesting and __proto__ keys', () => {
  let store: RunningFhirNode;
  let broker: BrokerUnderTest;
  let idpKey: CryptoKey;
  beforeAll(async () => {
    // A second trusted issuer whose tokens the test signs as raw bytes (SignJWT cannot serialise 10,000 levels).
    const pair = await generateKeyPair('ES256');
    idpKey = pair.privateKey;
    const jwksFile = path.join(mkdtempSync(path.join(tmpdir(), 'hie-hostile-')), 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'h1', alg: 'ES256' }] }),
    );
    store = await startFhirNode({ dataset: generatePopulation({ size: 5 }).nodes.gp });
    broker = await startBrokerUnderTest({
      id: 'hostile',
      sources: [
        {
          id: 'gp',
          kind: 'fhir-r4',
          name: 'Store gp',
          odsCode: 'Y90001',
          baseUrl: store.baseUrl,
          supplies: ['Condition'],
        },
      ],
      config: {
        auth: {
          issuers: [
            (await testIdentity()).issuerConfig(),
            { issuer: HOSTILE_ISSUER, jwksFile, algorithms: ['ES256'], audience: 'hie-broker', typ: 'JWT' },
          ],
        },
      },
    });
  });
  afterEach(() => expect((polluted() as { polluted?: unknown }).polluted).toBeUndefined());
  afterAll(async () => {
    await broker.close();
    await store.close();
  });

  it('when the token endpoint is sent deeply nested JSON with __proto__ keys, then 413 past the limit, invalid_request within it, and nothing is polluted', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(`${broker.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post(hostileJson(DEEP))).status).toBe(413);
    const within = await post(hostileJson(DEEP_THAT_FITS));
    expect(within.status).toBe(400);
    expect(await within.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('when the token form carries __proto__ and constructor keys, then they are plain names and the request is refused normally', async () => {
    const response = await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '__proto__[polluted]=yes&__proto__=x&constructor[prototype][polluted]=yes&grant_type=client_credentials',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('when a FHIR route is sent deeply nested JSON, then 413 or 405: no route parses a body', async () => {
    const big = await fetch(`${broker.fhir}/Patient`, {
      method: 'POST',
      headers: { authorization: await bearer('gp'), 'content-type': 'application/fhir+json' },
      body: hostileJson(DEEP),
    });
    expect(big.status).toBe(413);
    const small = await fetch(`${broker.fhir}/Patient`, {
      method: 'POST',
      headers: { authorization: await bearer('gp'), 'content-type': 'application/fhir+json' },
      body: '{"__proto__":{"polluted":"yes"}}',
    });
    expect(small.status).toBe(405);
  });

  it('when the query string carries __proto__ keys, then they are refused as unknown parameters', async () => {
    const response = await fetch(
      `${broker.fhir}/Condition?patient=${RICH}&__proto__[polluted]=yes&constructor[prototype][polluted]=yes`,
      { headers: { authorization: await bearer('gp'), accept: 'application/fhir+json' } },
    );
    expect(response.status).toBe(400);
  });

  it("when a signed user token's payload has __proto__ claims and deep nesting, then it is refused by size or handled, and nothing is polluted", async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokenNested = async (depth: number): Promise<string> => {
      const payload =
        `{"iss":"${HOSTILE_ISSUER}","aud":"hie-broker","sub":"555000000001","role":"R8000","org":"Y90001",` +
        `"purpose_of_use":"TREAT","exp":${now + 600},${hostileJson(depth).slice(1)}`;
      return new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ES256', kid: 'h1', typ: 'JWT' })
        .sign(idpKey);
    };
    const ask = (token: string): Promise<Response> =>
      fetch(`${broker.fhir}/Condition?patient=${RICH}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      });
    // 10,000 deep does not fit in the request head at all...
    expect((await ask(await tokenNested(DEEP))).status).toBe(431);
    // ...and as deep as fits is parsed, verified and used like any token.
    const handled = await ask(await tokenNested(DEEP_THAT_FITS));
    expect([200, 403]).toContain(handled.status);
    const body = (await handled.json()) as { resourceType: string };
    expect(['Bundle', 'OperationOutcome']).toContain(body.resourceType);
  });
});
