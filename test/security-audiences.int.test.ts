import { ConfigError, loadConfig } from '../config/load-config';
import { createLogger } from '../broker/observability/logger';
import { startBroker } from '../broker/start-broker';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { getFhir } from './support/fhir-http';
import { send, startHostilePeer, type HostilePeer } from './support/hostile-peer';

const RICH = DEMO_NHS_NUMBERS.rich;
const OTHER = DEMO_NHS_NUMBERS.gpAndNeighbour;
const population = generatePopulation({ size: 5 });
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const gpStore = (node: { baseUrl: string }): Record<string, unknown> => ({
  id: 'gp',
  kind: 'fhir-r4',
  name: 'Northbrook Health Centre',
  odsCode: 'Y90001',
  baseUrl: node.baseUrl,
  supplies: ['Condition', 'Encounter'],
});

const registered = (peer: HostilePeer): Record<string, unknown> => ({
  clientId: peer.clientId,
  name: 'South Region',
  jwksUrl: peer.jwksUrl,
  roles: ['R8000'],
  organisations: [{ odsCode: 'Y90001' }],
});

describe('audiences are configuration; requester assertions are single-use, short and for one patient', () => {
  let store: RunningFhirNode;
  let peer: HostilePeer;
  let first: BrokerUnderTest;
  let second: BrokerUnderTest;
  let token: string;

  beforeAll(async () => {
    store = await startFhirNode({ dataset: population.nodes.gp });
    peer = await startHostilePeer('south-region');
    // Two brokers that both trust the same peer: what is made for one must not open the other.
    const brokerNamed = (id: string): Promise<BrokerUnderTest> =>
      startBrokerUnderTest({ id, sources: [gpStore(store)], peers: [registered(peer)] });
    first = await brokerNamed('first');
    second = await brokerNamed('second');
    token = await peer.accessToken(`${second.url}/oauth/token`);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await peer.close();
    await store.close();
  });

  const viewAtSecond = async (
    assertion: string,
    options: { nhsNumber?: string; host?: string } = {},
  ): ReturnType<typeof send> =>
    send(`${second.fhir}/Patient/${options.nhsNumber ?? RICH}/$everything`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-hie-requester': assertion,
        ...(options.host ? { host: options.host } : {}),
      },
    });

  it("when a client assertion made for one broker is posted to another with the first broker's Host, then no token is issued", async () => {
    const forFirst = await peer.clientAssertion(`${first.url}/oauth/token`);
    const answer = await send(`${second.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: new URL(first.url).host },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: forFirst,
        scope: 'system/*.read',
      }).toString(),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_client');
  });

  it("when a requester assertion made for one broker is sent to another with the first broker's Host, then 401", async () => {
    const forFirst = await peer.requesterAssertion({ audience: first.fhir, patient: RICH });
    const answer = await viewAtSecond(forFirst, { host: new URL(first.url).host });
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/X-Hie-Requester assertion could not be verified/);
  });

  it('when a requester assertion is used a second time, then it is refused (401) as a replay', async () => {
    const once = await peer.requesterAssertion({ audience: second.fhir, patient: RICH });
    expect((await viewAtSecond(once)).status).toBe(200);
    const replayed = await viewAtSecond(once);
    expect(replayed.status).toBe(401);
    expect(replayed.text).toMatch(/already used/);
  });

  it('when a requester assertion lives longer than 5 minutes, then 401', async () => {
    const long = await peer.requesterAssertion({
      audience: second.fhir,
      patient: RICH,
      lifetimeSeconds: 3600,
    });
    const answer = await viewAtSecond(long);
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/at most 5 minutes/);
  });

  it('when a requester assertion made for one patient opens another, or names no patient, then it is refused', async () => {
    const forRich = await peer.requesterAssertion({ audience: second.fhir, patient: RICH });
    const other = await viewAtSecond(forRich, { nhsNumber: OTHER });
    expect(other.status).toBe(403);
    expect(other.text).toMatch(/made for another patient/);
    const read = await send(`${second.fhir}/Condition?patient=${OTHER}`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-hie-requester': await peer.requesterAssertion({ audience: second.fhir, patient: RICH }),
      },
    });
    expect(read.status).toBe(403);
    const unbound = await viewAtSecond(await peer.requesterAssertion({ audience: second.fhir }));
    expect(unbound.status).toBe(401);
  });

  it("when a peer follows a paged result's next link with an assertion for another patient, then 403; with one for the patient, the page", async () => {
    const first = await send(`${second.fhir}/Patient/${RICH}/$everything?_count=1`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-hie-requester': await peer.requesterAssertion({ audience: second.fhir, patient: RICH }),
      },
    });
    expect(first.status).toBe(200);
    const next = (first.body.link as { relation: string; url: string }[]).find(
      (l) => l.relation === 'next',
    )!.url;
    const pageAs = async (patient: string): ReturnType<typeof send> =>
      send(next, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-hie-requester': await peer.requesterAssertion({ audience: second.fhir, patient }),
        },
      });
    const refused = await pageAs(OTHER);
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/made for another patient/);
    expect((await pageAs(RICH)).status).toBe(200);
  });

  it("when a clinician's user token sends X-Hie-Chain, then it is refused and nothing is asked of any source", async () => {
    const before = store.requests.search;
    const forged = await getFhir(`${second.fhir}/Patient/${RICH}/$everything`, {
      headers: { 'x-hie-chain': 'north-thames' },
    });
    expect(forged.status).toBe(403);
    expect(JSON.stringify(forged.body)).toMatch(/X-Hie-Chain is only accepted from a neighbouring broker/);
    expect(store.requests.search).toBe(before);
    // A peer may send one.
    const fromPeer = await send(`${second.fhir}/Patient/${RICH}/$everything`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-hie-requester': await peer.requesterAssertion({ audience: second.fhir, patient: RICH }),
        'x-hie-chain': 'south-region',
      },
    });
    expect(fromPeer.status).toBe(200);
  });
});

describe('a broker that accepts peers is configured for it, or does not start', () => {
  const base = (overrides: Record<string, unknown>): Record<string, unknown> => ({
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    broker: { id: 'unconfigured', name: 'Unconfigured', odsCode: 'X26' },
    sources: [
      {
        id: 'acute',
        kind: 'fhir-r4',
        name: 'Acute',
        odsCode: 'R1X',
        baseUrl: 'http://127.0.0.1:9/fhir',
        supplies: ['Condition'],
      },
    ],
    logging: { level: 'silent' },
    ...overrides,
  });
  const peers = [
    {
      clientId: 'south-region',
      name: 'South Region',
      jwksUrl: 'http://127.0.0.1:9/jwks.json',
      roles: ['R8000'],
      organisations: [{ odsCode: 'Y90001' }],
    },
  ];
  const problems = (overrides: Record<string, unknown>): string[] => {
    try {
      loadConfig({ env: {}, overrides: base(overrides) });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('when peers are configured without server.publicBaseUrl, then the broker refuses to start, naming the setting', async () => {
    const config = loadConfig({
      env: {},
      overrides: base({
        peers,
        broker: { id: 'u', name: 'U', odsCode: 'X26', allowEphemeralSigningKey: true },
      }),
    });
    const refused = await startBroker(config, createLogger({ level: 'silent' })).then(
      async (running) => {
        await running.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).describe()).toMatch(/server\.publicBaseUrl: .*peers/);
  });

  it('when peers or SMART sources are configured with an ephemeral signing key, then the configuration is refused unless the development flag is set', () => {
    const smartSource = {
      id: 'acute',
      kind: 'fhir-r4',
      name: 'Acute',
      odsCode: 'R1X',
      baseUrl: 'http://127.0.0.1:9/fhir',
      supplies: ['Condition'],
      auth: { type: 'smart-backend-services', tokenUrl: 'http://127.0.0.1:9/auth/token', clientId: 'x' },
    };
    const server = {
      host: '127.0.0.1',
      port: 0,
      shutdownGraceMs: 200,
      publicBaseUrl: 'https://hie.example/fhir',
    };
    expect(problems({ server, peers })).toEqual([
      expect.stringMatching(/^broker\.signingKey: .*ephemeral.*allowEphemeralSigningKey/),
    ]);
    expect(problems({ server, sources: [smartSource] })).toEqual([
      expect.stringMatching(/^broker\.signingKey: /),
    ]);
    expect(
      problems({
        server,
        peers,
        broker: { id: 'u', name: 'U', odsCode: 'X26', allowEphemeralSigningKey: true },
      }),
    ).toEqual([]);
    expect(problems({})).toEqual([]);
  });
});
