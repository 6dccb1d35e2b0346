import type { Bundle } from '@medplum/fhirtypes';
import { SignJWT, type JWK } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SmartBackendAuth } from '../adapters/auth/smart-backend-auth';
import { SourceHttpClient } from '../adapters/http/source-http-client';
import { UpstreamFailure } from '../adapters/upstream-failure';
import { PeerBrokerAdapter } from '../adapters/broker/peer-broker-adapter';
import { signRequesterAssertion } from '../core/trust/requester-assertion';
import { loadFederationKey, loadSigningKey } from '../core/trust/signing-key';
import { ConfigError } from '../config/load-config';
import { servedJwks } from './support/pds-region';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import {
  logLine,
  peerSource,
  registeredPeer,
  startBrokerUnderTest,
  type BrokerUnderTest,
} from './support/broker-under-test';
import { reservePort } from './support/reserved-port';
import { getFhir, reasonOf, sourceIssues, statusOf } from './support/fhir-http';

const RICH = DEMO_NHS_NUMBERS.rich;
const population = generatePopulation({ size: 5 });

function fhirSource(id: string, node: { baseUrl: string }, odsCode: string): Record<string, unknown> {
  return {
    id,
    kind: 'fhir-r4',
    name: `Store ${id}`,
    odsCode,
    baseUrl: node.baseUrl,
    supplies: ['Condition', 'Observation', 'Encounter'],
  };
}

describe('broker to broker', () => {
  let storeA: RunningFhirNode;
  let storeB: RunningFhirNode;
  let storeC: RunningFhirNode;
  let ours: BrokerUnderTest;
  let peer: BrokerUnderTest;

  beforeAll(async () => {
    storeA = await startFhirNode({ dataset: population.nodes.gp });
    storeB = await startFhirNode({ dataset: population.nodes.acute });
    storeC = await startFhirNode({ dataset: population.nodes['neighbouring-ics'] });
    const [ourPort, peerPort] = [await reservePort(), await reservePort()];
    const ourUrl = ourPort.url;
    const peerUrl = peerPort.url;
    // Each is the other's neighbour, so a request can come back round: the chain must stop it.
    peer = await startBrokerUnderTest({
      id: 'north-thames',
      listenOn: peerPort,
      sources: [
        fhirSource('nt-acute', storeB, 'R2A'),
        fhirSource('nt-store', storeC, 'Y90201'),
        peerSource({ url: ourUrl }, { id: 'nw-london', clientId: 'north-thames' }),
      ],
      peers: [
        registeredPeer({
          clientId: 'nw-london',
          name: 'NW London',
          jwksUrl: `${ourUrl}/.well-known/jwks.json`,
        }),
      ],
    });
    ours = await startBrokerUnderTest({
      id: 'nw-london',
      listenOn: ourPort,
      sources: [
        fhirSource('gp', storeA, 'Y90001'),
        peerSource({ url: peerUrl }, { id: 'north-thames', clientId: 'nw-london' }),
      ],
      peers: [
        registeredPeer({
          clientId: 'north-thames',
          name: 'North Thames',
          jwksUrl: `${peerUrl}/.well-known/jwks.json`,
        }),
      ],
    });
  });
  afterEach(() => [storeA, storeB, storeC].forEach((s) => s.setFault(null)));
  afterAll(async () => {
    await ours.close();
    await peer.close();
    await Promise.all([storeA, storeB, storeC].map((s) => s.close()));
  });

  it("when the view asks the neighbouring broker, then its sources' items arrive attributed to the peer and their origin", async () => {
    const { status, body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RICH}/$everything`);
    expect(status).toBe(200);
    const viaPeer = (body.entry ?? []).filter(
      (e) => e.search?.mode === 'match' && e.resource?.id?.startsWith('north-thames-'),
    );
    expect(viaPeer.length).toBeGreaterThan(0);
    const origins = new Set(viaPeer.map((e) => e.resource!.meta!.tag![0]!.code));
    expect([...origins].sort()).toEqual(['R2A', 'Y90201']);
    for (const e of viaPeer) expect(e.resource!.meta!.tag!.at(-1)!.code).toBe('Q9X');
    // The peer's own Provenance, for its stores, travels with the items.
    const provenance = (body.entry ?? [])
      .filter((e) => e.resource?.resourceType === 'Provenance')
      .map((e) => e.resource!.id);
    expect(provenance).toEqual(
      expect.arrayContaining(['north-thames-nt-acute-provenance', 'north-thames-nt-store-provenance']),
    );
  });

  it('when the neighbouring broker would ask us back, then the chain stops the loop and says so, nested in its outcome', async () => {
    const { body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RICH}/$everything`);
    const nested = sourceIssues(body, 'north-thames');
    const loop = nested.find((i) => reasonOf(i) === 'loop');
    expect(statusOf(loop)).toBe('ok');
    expect(loop?.details?.text).toBe(
      'Region north-thames (Q9X) reports: Region nw-london (Q9X) was not asked: the request had already passed through it.',
    );
    const peerLog = await logLine(
      peer.logs,
      (l) => l.msg === 'request' && l.route === '/fhir/Patient/:id/\\$everything',
    );
    expect((peerLog?.view as { chain: string[] }).chain).toEqual(['nw-london']);
  });

  it("when one of the peer's sources fails, then that failure is nested in our view, with both attributions", async () => {
    storeC.setFault({ fault: { kind: 'status', status: 500 } });
    const { body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RICH}/$everything`);
    const failure = sourceIssues(body, 'north-thames').find((i) => reasonOf(i) === 'http-500');
    expect(failure?.details?.text).toBe(
      'Region north-thames (Q9X) reports: Store nt-store (Y90201) failed with a server error (HTTP 500); its data is not in this view.',
    );
    const nestedSource = failure?.extension?.find((e) => e.url.endsWith('/nested-source'));
    expect(nestedSource?.extension).toEqual(
      expect.arrayContaining([
        { url: 'id', valueString: 'nt-store' },
        { url: 'status', valueCode: 'error' },
      ]),
    );
    expect((body.entry ?? []).some((e) => e.resource?.id?.startsWith('north-thames-nt-acute-'))).toBe(true);
  });

  it('when the peer is asked, then it acts for the original user, whose identity our broker signed', async () => {
    await getFhir(`${ours.fhir}/Patient/${RICH}/$everything`, {
      headers: { 'x-request-id': 'peer-identity-check' },
    });
    const line = await logLine(peer.logs, (l) => l.requestId === 'peer-identity-check' && Boolean(l.view));
    // The GP who asked our broker, as the peer saw them.
    expect((line?.view as { requester: unknown }).requester).toEqual({
      userId: '555000000001',
      role: 'R8000',
      org: 'Y90001',
    });
    expect(JSON.stringify(peer.logs)).not.toMatch(/9000000009|eyJ/);
  });

  it('when the adapter asks for a named clinician, then the peer acts for exactly that clinician', async () => {
    const adapter = new PeerBrokerAdapter({
      source: {
        id: 'north-thames',
        kind: 'broker',
        name: 'North Thames',
        odsCode: 'Q9X',
        baseUrl: peer.fhir,
        supplies: ['Condition'],
      },
      client: new SourceHttpClient({ maxSockets: 2, maxResponseBytes: 1 << 20, userAgent: 'test' }),
      auth: new SmartBackendAuth({
        tokenUrl: `${peer.url}/auth/token`,
        clientId: 'nw-london',
        scope: 'system/*.read',
        key: ours.signingKey,
        client: new SourceHttpClient({ maxSockets: 1, maxResponseBytes: 65536, userAgent: 'test' }),
      }),
      key: ours.signingKey,
      brokerId: 'nw-london',
      onFault: (error) => {
        throw error;
      },
    });
    const outcome = await adapter.fetch(
      {
        queryId: 'q',
        nhsNumber: RICH,
        resourceTypes: ['Condition'],
        requester: {
          userId: '555123456789',
          role: 'R8000',
          organisationOds: 'R1X',
          purposeOfUse: 'TREAT',
        },
        deadline: Date.now() + 3000,
        chain: [],
      },
      { signal: AbortSignal.timeout(3000), trace: { requestId: 'named-clinician' } },
    );
    await adapter.close();
    expect(outcome.status).toBe('ok');
    const line = await logLine(peer.logs, (l) => l.requestId === 'named-clinician' && Boolean(l.view));
    expect((line?.view as { requester: unknown }).requester).toEqual({
      userId: '555123456789',
      role: 'R8000',
      org: 'R1X',
    });
  });

  it('when calling a peer would pass the hop limit, then the peer is skipped (loop) without being called', async () => {
    const limited = await startBrokerUnderTest({
      id: 'limited',
      hopLimit: 1,
      sources: [
        fhirSource('gp', storeA, 'Y90001'),
        peerSource(peer, { id: 'north-thames', clientId: 'limited' }),
      ],
    });
    try {
      const { body } = await getFhir<Bundle>(`${limited.fhir}/Patient/${RICH}/$everything`);
      const [issue] = sourceIssues(body, 'north-thames');
      expect(statusOf(issue)).toBe('skipped');
      expect(reasonOf(issue)).toBe('loop');
    } finally {
      await limited.close();
    }
  });

  it('when a caller presents no valid token or a forged assertion, then the peer refuses with 401', async () => {
    const url = `${peer.fhir}/Patient/${RICH}/$everything`;
    expect((await getFhir(url, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    expect((await getFhir(url, { headers: { 'x-hie-requester': 'eyJhbGciOiJub25lIn0.e30.' } })).status).toBe(
      401,
    );

    const authorization = await tokenFor(peer, ours);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const forged = await new SignJWT({ role: 'admin', org: 'X1', purpose: 'TREATMENT' })
      .setProtectedHeader({ alg: 'ES384' })
      .setIssuer('nw-london')
      .setSubject('mallory')
      .setAudience(peer.fhir)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(stranger);
    const refused = await getFhir(url, { headers: { authorization, 'x-hie-requester': forged } });
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).toMatch(/X-Hie-Requester assertion could not be verified/);
  });

  it('when a request has already passed through the broker, then it answers 508 and fans out to nobody', async () => {
    const before = storeB.requests.search;
    // Only a peer may send a chain: as our broker would, with our key, for the GP.
    const { status, body } = await getFhir(`${peer.fhir}/Patient/${RICH}/$everything`, {
      headers: {
        authorization: await tokenFor(peer, ours),
        'x-hie-requester': await signRequesterAssertion({
          key: ours.signingKey,
          issuer: 'nw-london',
          audience: peer.fhir,
          requester: {
            userId: '555000000001',
            role: 'R8000',
            organisationOds: 'Y90001',
            purposeOfUse: 'TREAT',
          },
          nhsNumber: RICH,
        }),
        'x-hie-chain': 'nw-london,north-thames',
      },
    });
    expect(status).toBe(508);
    expect(JSON.stringify(body)).toMatch(/already passed through this broker/);
    expect(storeB.requests.search).toBe(before);
  });

  it('when an unknown client asks the token endpoint, then it is refused as an OAuth2 error', async () => {
    const stranger = await startBrokerUnderTest({
      id: 'stranger',
      sources: [fhirSource('gp', storeA, 'Y90001')],
    });
    try {
      const refused = await tokenFor(peer, stranger).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(UpstreamFailure);
      expect((refused as UpstreamFailure).issue.reason).toBe('token-http-400');
    } finally {
      await stranger.close();
    }
  });
});

describe('broker to broker with an Ed25519 federation key', () => {
  let gp: RunningFhirNode;
  let store: RunningFhirNode;
  let north: BrokerUnderTest;
  let stale: BrokerUnderTest;
  let staleJwks: { url: string; close: () => Promise<void> };
  let ours: BrokerUnderTest;
  let keyDir: string;
  let federationPem: string;

  beforeAll(async () => {
    // Our GP practice holds the patient's registration: the asking GP's legitimate relationship.
    gp = await startFhirNode({ dataset: population.nodes.gp });
    store = await startFhirNode({ dataset: population.nodes['neighbouring-ics'] });
    keyDir = mkdtempSync(path.join(tmpdir(), 'hie-federation-key-'));
    federationPem = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    writeFileSync(path.join(keyDir, 'federation.pem'), federationPem, { mode: 0o600 });
    const ourPort = await reservePort();
    const ourSigningPem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    // A peer that reads our JWKS as served: both keys.
    north = await startBrokerUnderTest({
      id: 'north-thames',
      sources: [fhirSource('nt-store', store, 'Y90201')],
      peers: [
        registeredPeer({
          clientId: 'nw-london',
          name: 'NW London',
          jwksUrl: `${ourPort.url}/.well-known/jwks.json`,
        }),
      ],
    });
    // A peer that knows only our signing key (a JWKS copied before the federation key existed).
    staleJwks = await servedJwks(await loadSigningKey(ourSigningPem));
    stale = await startBrokerUnderTest({
      id: 'south-east',
      sources: [fhirSource('se-store', store, 'Y90201')],
      peers: [registeredPeer({ clientId: 'nw-london', name: 'NW London', jwksUrl: staleJwks.url })],
    });
    ours = await startBrokerUnderTest({
      id: 'nw-london',
      listenOn: ourPort,
      pem: ourSigningPem,
      sources: [
        fhirSource('gp', gp, 'Y90001'),
        peerSource(north, { id: 'north-thames', clientId: 'nw-london' }),
        peerSource(stale, { id: 'south-east', clientId: 'nw-london', odsCode: 'Q9Y' }),
      ],
      config: { broker: { federationKey: { file: path.join(keyDir, 'federation.pem') } } },
    });
  });
  afterAll(async () => {
    await ours?.close();
    await Promise.all([north?.close(), stale?.close(), staleJwks?.close(), store?.close(), gp?.close()]);
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('when the view asks a peer that reads our JWKS, then the peer verifies the EdDSA assertion and answers for the original user', async () => {
    const { status, body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RICH}/$everything`, {
      headers: { 'x-request-id': 'federation-key-view' },
    });
    expect(status).toBe(200);
    const viaPeer = (body.entry ?? []).filter((e) => e.resource?.id?.startsWith('north-thames-nt-store-'));
    expect(viaPeer.length).toBeGreaterThan(0);
    const line = await logLine(north.logs, (l) => l.requestId === 'federation-key-view' && Boolean(l.view));
    expect((line?.view as { requester: unknown }).requester).toEqual({
      userId: '555000000001',
      role: 'R8000',
      org: 'Y90001',
    });
  });

  it('when a peer knows only our signing key, then it refuses our assertion: the federation key signs it, not the signing key', async () => {
    const { body } = await getFhir<Bundle>(`${ours.fhir}/Patient/${RICH}/$everything`);
    const [issue] = sourceIssues(body, 'south-east');
    expect(statusOf(issue)).toBe('rejected');
    expect(reasonOf(issue)).toBe('http-401');
    // The token endpoint took our client assertion (signing key); the view itself was refused.
    const tokenLine = await logLine(stale.logs, (l) => l.msg === 'request' && l.route === '/oauth/token');
    expect(tokenLine?.status).toBe(200);
    const refused = await logLine(stale.logs, (l) => l.msg === 'request' && l.status === 401);
    expect(refused?.method).toBe('GET');
  });

  it('when the JWKS is read, then it lists the signing key (ES384) and the federation key (EdDSA), public halves only', async () => {
    const { keys } = (await (await fetch(ours.jwksUrl)).json()) as { keys: JWK[] };
    const federationKey = await loadFederationKey(federationPem);
    expect(keys.map((k) => [k.kty, k.alg, k.kid])).toEqual([
      ['EC', 'ES384', ours.signingKey.kid],
      ['OKP', 'EdDSA', federationKey.kid],
    ]);
    expect(keys[1]).toEqual(federationKey.publicJwk);
    for (const key of keys) expect(key.d).toBeUndefined();
  });

  it('when the federation key is a P-384 key, then the broker refuses to start, naming broker.federationKey', async () => {
    const wrong = path.join(keyDir, 'wrong.pem');
    writeFileSync(
      wrong,
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const refused = await startBrokerUnderTest({
      id: 'misconfigured',
      sources: [fhirSource('gp', store, 'Y90001')],
      config: { broker: { federationKey: { file: wrong } } },
    }).then(
      (broker) => broker.close().then(() => null),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).describe()).toMatch(
      /broker\.federationKey: must be an Ed25519 or EC P-256 private key/,
    );
  });
});

/** Asks `peer`'s token endpoint for a token as `client`, with SMART Backend Services and the client's own key. */
function tokenFor(peer: BrokerUnderTest, client: BrokerUnderTest): Promise<string> {
  return new SmartBackendAuth({
    tokenUrl: `${peer.url}/auth/token`,
    clientId: client.id,
    scope: 'system/*.read',
    key: client.signingKey,
    client: new SourceHttpClient({ maxSockets: 1, maxResponseBytes: 65536, userAgent: 'test' }),
  }).authorization({ signal: AbortSignal.timeout(3000), trace: { requestId: 'token-test' } });
}
