import type { OperationOutcome } from '@medplum/fhirtypes';
import { request } from 'node:http';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { logLine, startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { bearer } from './support/identity';
import { postLarge, rawExchange } from './support/raw-http';

const RICH = DEMO_NHS_NUMBERS.rich;
const TEN_MB = 10 * 1024 * 1024;
const population = generatePopulation({ size: 5 });

const gpSource = (node: { baseUrl: string }): Record<string, unknown> => ({
  id: 'gp',
  kind: 'fhir-r4',
  name: 'Store gp',
  odsCode: 'Y90001',
  baseUrl: node.baseUrl,
  supplies: ['Condition'],
});

const outcomeText = (body: string): string =>
  (JSON.parse(body) as OperationOutcome).issue.map((i) => i.details?.text).join(' ');

describe('hardening at the edge', () => {
  let store: RunningFhirNode;
  let broker: BrokerUnderTest;
  let open: BrokerUnderTest;
  beforeAll(async () => {
    store = await startFhirNode({ dataset: population.nodes.gp });
    broker = await startBrokerUnderTest({
      id: 'edge',
      sources: [gpSource(store)],
      config: { server: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } },
    });
    open = await startBrokerUnderTest({
      id: 'edge-open',
      sources: [gpSource(store)],
      config: { server: { corsOrigins: ['https://viewer.example.nhs.uk'], trustProxy: 1 } },
    });
  });
  afterAll(async () => {
    await broker.close();
    await open.close();
    await store.close();
  });

  it('when any response is sent (200, 401, 404), then it carries the security headers and no X-Powered-By', async () => {
    for (const path of ['/livez', '/fhir/Condition', '/nowhere']) {
      const response = await fetch(`${broker.url}${path}`);
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      );
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('when no CORS origins are configured, then no browser origin is allowed, not even on a preflight', async () => {
    const get = await fetch(`${broker.url}/fhir/metadata`, { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${broker.fhir}/Condition?patient=${RICH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://viewer.example.nhs.uk',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('when origins are configured, then only those get CORS, for GET with Authorization', async () => {
    const preflight = await fetch(`${open.fhir}/Condition?patient=${RICH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://viewer.example.nhs.uk',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://viewer.example.nhs.uk');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(
      /Authorization.*X-Hie-Relationship, X-Hie-Access-Reason/,
    );
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const listed = await fetch(`${open.fhir}/metadata`, {
      headers: { origin: 'https://viewer.example.nhs.uk' },
    });
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://viewer.example.nhs.uk');
    expect(listed.headers.get('vary')).toMatch(/Origin/);
    const other = await fetch(`${open.fhir}/metadata`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('when a 10 MB body is sent to a FHIR route, then 413 with an OperationOutcome comes back at once, the body unread', async () => {
    const answer = await postLarge(`${broker.fhir}/Patient`, {
      bytes: TEN_MB,
      headers: { authorization: await bearer(), 'content-type': 'application/fhir+json' },
    });
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(outcomeText(answer.body)).toMatch(/larger than the 16384 bytes/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.elapsedMs).toBeLessThan(2000);
  });

  it('when a body of unknown length (chunked) is sent to a route that takes none, then 413 without reading it', async () => {
    const answer = await postLarge(`${broker.fhir}/Patient`, {
      bytes: TEN_MB,
      chunked: true,
      headers: { authorization: await bearer() },
    });
    expect(answer.status).toBe(413);
    expect(outcomeText(answer.body)).toMatch(/takes no request body/);
  });

  it('when a 10 MB body is sent to the token endpoint, declared or chunked, then 413 at once', async () => {
    for (const chunked of [false, true]) {
      const answer = await postLarge(`${broker.url}/oauth/token`, {
        bytes: TEN_MB,
        chunked,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.status).toBe(413);
      expect(outcomeText(answer.body)).toMatch(/larger than the 16384 bytes/);
      expect(answer.elapsedMs).toBeLessThan(2000);
    }
  });

  it('when the request headers exceed 16 kB, then 431 with an OperationOutcome', async () => {
    const answer = await rawExchange(
      broker.port,
      `GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/"resourceType":"OperationOutcome"/);
  });

  it('when a header carries CR or LF, then the client refuses to send it, the server refuses to parse it, and nothing of it is reflected or logged', async () => {
    await expect(
      fetch(`${broker.url}/livez`, { headers: { 'x-request-id': 'abc\r\nSet-Cookie: injected=1' } }),
    ).rejects.toThrow(/invalid header value/);
    expect(() =>
      request(`${broker.url}/livez`, { headers: { 'x-request-id': 'abc\r\nSet-Cookie: injected=1' } }),
    ).toThrow(/Invalid character in header content/);

    for (const smuggled of [
      'X-Request-Id: abc\rSet-Cookie: injected=1',
      'X-Request-Id: abc\nSet-Cookie: injected=1',
      'X-Request-Id: abc\r\n Set-Cookie: injected=1', // obsolete line folding
    ]) {
      const answer = await rawExchange(broker.port, `GET /livez HTTP/1.1\r\nHost: x\r\n${smuggled}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).not.toMatch(/injected|abc/i);
    }
    // Encoded, it reaches the broker as text: the request id is not echoed but replaced.
    const encoded = await rawExchange(
      broker.port,
      'GET /livez HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc%0d%0aSet-Cookie: injected=1\r\nConnection: close\r\n\r\n',
    );
    expect(encoded).toMatch(/^HTTP\/1\.1 200 /);
    expect(encoded).not.toMatch(/injected|abc/i);
    const refusals = broker.logs.filter((l) => l.msg === 'client error' && l.status === 400);
    expect(refusals).toHaveLength(3);
    for (const line of refusals) expect(line.code).toMatch(/^HPE_/);
    expect(JSON.stringify(broker.logs)).not.toMatch(/injected/);
  });

  it('when a client sends its headers too slowly, then 408 and the connection is closed', async () => {
    const started = performance.now();
    const answer = await rawExchange(broker.port, 'GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
      timeoutMs: 5000,
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('when X-Forwarded-For is forged, then the client address stays the real peer unless a proxy is trusted', async () => {
    await fetch(`${broker.url}/livez`, {
      headers: { 'x-forwarded-for': '10.9.9.9', 'x-request-id': 'xff-off' },
    });
    expect(await logLine(broker.logs, (l) => l.requestId === 'xff-off')).toMatchObject({
      client: '127.0.0.1',
    });
    // One trusted hop: the proxy's own X-Forwarded-For is believed.
    await fetch(`${open.url}/livez`, {
      headers: { 'x-forwarded-for': '10.9.9.9', 'x-request-id': 'xff-on' },
    });
    expect(await logLine(open.logs, (l) => l.requestId === 'xff-on')).toMatchObject({ client: '10.9.9.9' });
  });
});
