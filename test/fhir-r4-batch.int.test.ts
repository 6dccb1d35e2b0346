import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { PatientQuery, SourceOutcome } from '../core/source-contract';
import { FhirR4Adapter } from '../adapters/fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from '../adapters/http/source-http-client';
import type { RecordResourceType } from '../core/fhir/resource-types';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { loadConfig } from '../config/load-config';
import type { FhirSearchBy } from '../core/source-contract';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { DEMO_CONFIG_FILE } from '../sim/region-config';
import { getFhir, sourceIssues } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

function query(
  resourceTypes: readonly RecordResourceType[],
  overrides: Partial<PatientQuery> = {},
): PatientQuery {
  return {
    queryId: 'batch-test',
    nhsNumber: RICH,
    resourceTypes,
    requester: { userId: 'u1', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
    deadline: Date.now() + 5000,
    chain: [],
    ...overrides,
  };
}

const ctx = (): { signal: AbortSignal; trace: { requestId: string } } => ({
  signal: AbortSignal.timeout(5000),
  trace: { requestId: 'req-batch-1' },
});

/** The adapters a test made, closed after each test. */
const adapters: FhirR4Adapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

function adapterFor(
  baseUrl: string,
  options: {
    searchBy: FhirSearchBy;
    supplies: readonly RecordResourceType[];
    maxPages?: number;
    pageSize?: number;
  },
): FhirR4Adapter {
  const adapter = new FhirR4Adapter({
    source: {
      id: 'trust',
      kind: 'fhir-r4',
      name: 'Riverside',
      odsCode: 'R1X',
      baseUrl,
      supplies: options.supplies,
    },
    client: new SourceHttpClient({
      maxSockets: 8,
      maxResponseBytes: 4 * 1024 * 1024,
      userAgent: 'batch-test',
    }),
    maxPages: options.maxPages ?? 10,
    pageSize: options.pageSize ?? 100,
    searchBy: options.searchBy,
    onFault: (error) => {
      throw error;
    },
  });
  adapters.push(adapter);
  return adapter;
}

function ok(outcome: SourceOutcome): Extract<SourceOutcome, { status: 'ok' }> {
  if (outcome.status !== 'ok')
    throw new Error(`expected ok, got ${outcome.status}: ${JSON.stringify(outcome)}`);
  return outcome;
}

const keyOf = (r: Resource): string => `${r.resourceType}/${r.id}`;
const sorted = (resources: readonly Resource[]): Resource[] =>
  [...resources].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

/** The outcome without its timing, to compare two calls. */
function comparable(outcome: SourceOutcome): unknown {
  const { durationMs: _d, ...rest } = outcome;
  return rest.status === 'ok'
    ? { ...rest, record: { ...rest.record, resources: sorted(rest.record.resources) } }
    : rest;
}

describe('FHIR R4 searches in one batch, against the simulated trusts', () => {
  const population = generatePopulation({ size: 20 });
  const demo = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} });
  const trusts = ['acute', 'mental-health'] as const;
  const suppliesOf = (id: string): readonly RecordResourceType[] =>
    demo.sources.find((s) => s.id === id)!.supplies;
  const supplies = { acute: suppliesOf('acute'), 'mental-health': suppliesOf('mental-health') };
  const nodes = {} as Record<(typeof trusts)[number], RunningFhirNode>;

  beforeAll(async () => {
    for (const id of trusts) nodes[id] = await startFhirNode({ dataset: population.nodes[id] });
  });
  afterEach(() => trusts.forEach((id) => nodes[id].setFault(null)));
  afterAll(async () => {
    for (const id of trusts) await nodes[id].close();
  });

  it('when config/demo.yaml is read, then the acute and mental-health trusts are searched by batch', () => {
    for (const id of trusts) {
      const source = demo.sources.find((s) => s.id === id);
      expect(source?.kind === 'fhir-r4' && source.searchBy).toBe('batch');
    }
  });

  const cases = trusts.flatMap((trust) =>
    Object.entries(DEMO_NHS_NUMBERS).map(([who, nhsNumber]) => ({ trust, who, nhsNumber })),
  );

  it.each(cases)(
    'when the $trust trust is asked for the $who patient by batch, then the record and warnings equal those of per-type searches, in two requests',
    async ({ trust, nhsNumber }) => {
      const node = nodes[trust];
      const ask = query(supplies[trust], { nhsNumber });
      const byType = await adapterFor(node.baseUrl, { searchBy: 'type', supplies: supplies[trust] }).fetch(
        ask,
        ctx(),
      );
      const served = node.requests.patient + node.requests.search;

      const byBatch = await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: supplies[trust] }).fetch(
        ask,
        ctx(),
      );

      expect(comparable(byBatch)).toEqual(comparable(byType));
      // The patient lookup, then (when the node knows the patient) one batch for every type.
      const expected = byType.status === 'ok' ? 2 : 1;
      expect(node.requests.patient + node.requests.search - served).toBe(expected);
    },
  );

  it('when the rich patient is asked for by batch, then every resource the trust holds of the supplied types comes back', async () => {
    const dataset = population.nodes.acute;
    const held = dataset.records
      .get(dataset.localIdByNhs.get(RICH)!)!
      .resources.filter((r) => supplies.acute.includes(r.resourceType as RecordResourceType));

    const outcome = ok(
      await adapterFor(nodes.acute.baseUrl, { searchBy: 'batch', supplies: supplies.acute }).fetch(
        query(supplies.acute),
        ctx(),
      ),
    );

    expect(new Set(held.map((r) => r.resourceType)).size).toBeGreaterThan(3);
    expect(outcome.record.resources.map(keyOf).sort()).toEqual(held.map(keyOf).sort());
    expect(outcome.warnings).toEqual([]);
  });

  it('when first pages in the batch have next links, then later pages are fetched one by one, up to the same cap', async () => {
    const node = nodes.acute;
    const types = supplies.acute;
    const whole = ok(
      await adapterFor(node.baseUrl, { searchBy: 'type', supplies: types }).fetch(query(types), ctx()),
    );
    const before = node.requests.search;

    const paged = ok(
      await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: types, pageSize: 2 }).fetch(
        query(types),
        ctx(),
      ),
    );
    const served = node.requests.search - before;
    const capped = ok(
      await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: types, pageSize: 2, maxPages: 1 }).fetch(
        query(types),
        ctx(),
      ),
    );
    const cappedByType = ok(
      await adapterFor(node.baseUrl, { searchBy: 'type', supplies: types, pageSize: 2, maxPages: 1 }).fetch(
        query(types),
        ctx(),
      ),
    );

    expect(sorted(paged.record.resources)).toEqual(sorted(whole.record.resources));
    expect(paged.warnings).toEqual([]);
    // One batch for every first page, then a GET for each further page.
    const laterPages = types.reduce((n, type) => {
      const count = whole.record.resources.filter((r) => r.resourceType === type).length;
      return n + Math.max(0, Math.ceil(count / 2) - 1);
    }, 0);
    expect(laterPages).toBeGreaterThan(0);
    expect(served).toBe(1 + laterPages);
    expect(capped.warnings.map((w) => w.reason)).toContain('truncated');
    expect(comparable(capped)).toEqual(comparable(cappedByType));
  });

  it('when resources updated since a date are asked for by batch, then the answer equals the per-type one', async () => {
    const since = '2025-06-01T00:00:00Z';
    const node = nodes['mental-health'];
    const types = supplies['mental-health'];
    const byType = await adapterFor(node.baseUrl, { searchBy: 'type', supplies: types }).fetch(
      query(types, { since }),
      ctx(),
    );
    const byBatch = await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: types }).fetch(
      query(types, { since }),
      ctx(),
    );
    expect(comparable(byBatch)).toEqual(comparable(byType));
  });

  it("when the node slips another patient's resources into every search, then batch and per-type see the same", async () => {
    const node = nodes.acute;
    node.setFault({ fault: { kind: 'other-patient' }, on: 'search' });
    const byType = await adapterFor(node.baseUrl, { searchBy: 'type', supplies: supplies.acute }).fetch(
      query(supplies.acute),
      ctx(),
    );
    const byBatch = await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: supplies.acute }).fetch(
      query(supplies.acute),
      ctx(),
    );
    expect(comparable(byBatch)).toEqual(comparable(byType));
  });

  it('when the node fails the batch request (503), then the source fails as it would searched per type', async () => {
    const node = nodes.acute;
    node.setFault({ fault: { kind: 'status', status: 503 }, on: 'search' });
    const byBatch = await adapterFor(node.baseUrl, { searchBy: 'batch', supplies: supplies.acute }).fetch(
      query(supplies.acute),
      ctx(),
    );
    const byType = await adapterFor(node.baseUrl, { searchBy: 'type', supplies: supplies.acute }).fetch(
      query(supplies.acute),
      ctx(),
    );
    expect(byBatch.status).toBe('error');
    expect(comparable(byBatch)).toEqual(comparable(byType));
  });

  it('when the node is slow, then its latency applies to the batch request too', async () => {
    const node = nodes.acute;
    const adapter = adapterFor(node.baseUrl, { searchBy: 'batch', supplies: supplies.acute });
    node.setLatency(150);
    try {
      const started = performance.now();
      ok(await adapter.fetch(query(supplies.acute), ctx()));
      // Two requests (lookup and batch), each delayed.
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      node.setLatency(0);
    }
  });
});

describe('the simulated FHIR node answers batches', () => {
  const population = generatePopulation({ size: 10 });
  const dataset = population.nodes.acute;
  const localId = dataset.localIdByNhs.get(RICH)!;
  let node: RunningFhirNode;
  beforeAll(async () => {
    node = await startFhirNode({ dataset });
  });
  afterEach(() => node.setFault(null));
  afterAll(() => node.close());

  /** POSTs to the node's base; `T` is what the test expects back. */
  async function post<T extends Resource = Bundle>(body: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(node.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  const batch = (entry: unknown[]): unknown => ({ resourceType: 'Bundle', type: 'batch', entry });

  it('when a batch of searches arrives, then each is answered in order as its GET would be', async () => {
    const searches = [`Condition?patient=${localId}&_count=2`, `Observation?patient=${localId}`];
    const { status, body } = await post(batch(searches.map((url) => ({ request: { method: 'GET', url } }))));

    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
    expect(body.entry).toHaveLength(2);
    for (const [i, url] of searches.entries()) {
      const single = (await (await fetch(`${node.baseUrl}/${url}`)).json()) as Bundle;
      expect(body.entry![i]!.response?.status).toBe('200 OK');
      expect(body.entry![i]!.resource).toEqual(single);
    }
  });

  it('when an entry is not a GET, or not a search by type, then that entry alone is refused with an OperationOutcome', async () => {
    const { status, body } = await post(
      batch([
        { request: { method: 'DELETE', url: `Condition?patient=${localId}` } },
        { request: { method: 'GET', url: `Condition?patient=${localId}` } },
        { request: { method: 'GET', url: 'Condition/123' } },
        { request: { method: 'GET', url: 'Basic?patient=1' } },
        { resource: { resourceType: 'Condition' } },
      ]),
    );

    expect(status).toBe(200);
    const statuses = body.entry!.map((e) => e.response?.status);
    expect(statuses).toEqual([
      '405 Method Not Allowed',
      '200 OK',
      '400 Bad Request',
      '404 Not Found',
      '400 Bad Request',
    ]);
    for (const entry of [body.entry![0]!, body.entry![2]!, body.entry![3]!, body.entry![4]!]) {
      expect(entry.resource).toBeUndefined();
      expect(entry.response?.outcome?.resourceType).toBe('OperationOutcome');
    }
  });

  it('when a batch holds more than 50 entries, then it is refused whole with a 400 OperationOutcome', async () => {
    const entries = Array.from({ length: 51 }, () => ({
      request: { method: 'GET', url: `Condition?patient=${localId}` },
    }));
    const { status, body } = await post<OperationOutcome>(batch(entries));
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.code).toBe('too-costly');
  });

  it.each([
    ['a transaction', { resourceType: 'Bundle', type: 'transaction', entry: [] }],
    ['a Patient', { resourceType: 'Patient' }],
    ['malformed JSON', '{"resourceType":"Bundle",'],
  ])('when the body is %s, then the answer is a 400 OperationOutcome', async (_what, body) => {
    const answer = await post<OperationOutcome>(body);
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });

  it('when the node is set to fail searches, then the batch request fails like any search', async () => {
    node.setFault({ fault: { kind: 'status', status: 503 }, on: 'search', times: 1 });
    const { status, body } = await post<OperationOutcome>(
      batch([{ request: { method: 'GET', url: `Condition?patient=${localId}` } }]),
    );
    expect(status).toBe(503);
    expect(body.resourceType).toBe('OperationOutcome');
  });
});

/** What the fake upstream was asked. */
interface Asked {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly contentType: string | undefined;
}

type Script = (asked: Asked) => { status?: number; body: unknown };

/** A tiny real FHIR server whose answers each test scripts; the patient lookup always finds patient p1. */
async function startFakeUpstream(): Promise<{
  baseUrl: string;
  asked: Asked[];
  script(next: Script): void;
  close(): Promise<void>;
}> {
  const asked: Asked[] = [];
  let script: Script = () => ({ status: 404, body: { resourceType: 'OperationOutcome', issue: [] } });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').replace(/^\/fhir/, '');
      const request: Asked = {
        method: req.method ?? '',
        path,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        contentType: req.headers['content-type'],
      };
      asked.push(request);
      const { status = 200, body } = path.startsWith('/Patient?')
        ? {
            body: searchset([
              { resourceType: 'Patient', id: 'p1', identifier: [{ system: NHS_NUMBER_SYSTEM, value: RICH }] },
            ]),
          }
        : script(request);
      res.writeHead(status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    asked,
    script: (next) => {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function searchset(resources: readonly Record<string, unknown>[], next?: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

const condition = (id: string): Record<string, unknown> => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p1' },
});
const observation = (id: string): Record<string, unknown> => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
});

function batchResponse(entries: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { resourceType: 'Bundle', type: 'batch-response', entry: entries };
}

const TYPES: readonly RecordResourceType[] = ['Condition', 'Observation'];

describe('FHIR R4 batch against a scripted upstream', () => {
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  beforeEach(() => {
    upstream.asked.length = 0;
  });
  afterAll(() => upstream.close());

  const fetchByBatch = (options: { maxPages?: number } = {}): Promise<SourceOutcome> =>
    adapterFor(upstream.baseUrl, { searchBy: 'batch', supplies: TYPES, ...options }).fetch(
      query(TYPES),
      ctx(),
    );

  /** Answers the batch with these entries, and any GET search by type with its own searchset. */
  const answering =
    (entries: readonly Record<string, unknown>[], pages: Record<string, unknown> = {}): Script =>
    (asked) => {
      if (asked.method === 'POST') return { body: batchResponse(entries) };
      const page = pages[asked.path];
      if (page) return { body: page };
      if (asked.path.startsWith('/Condition?')) return { body: searchset([condition('c1')]) };
      if (asked.path.startsWith('/Observation?')) return { body: searchset([observation('o1')]) };
      return { status: 404, body: { resourceType: 'OperationOutcome', issue: [] } };
    };

  it('when searching by batch, then one POST to the base carries a batch of GET searches for every type', async () => {
    upstream.script(
      answering([
        { resource: searchset([condition('c1')]), response: { status: '200 OK' } },
        { resource: searchset([observation('o1')]), response: { status: '200' } },
      ]),
    );

    const outcome = ok(await fetchByBatch());

    expect(outcome.record.resources.map(keyOf).sort()).toEqual(['Condition/c1', 'Observation/o1']);
    expect(outcome.warnings).toEqual([]);
    expect(upstream.asked.map((a) => `${a.method} ${a.path.split('?')[0]}`)).toEqual([
      'GET /Patient',
      'POST ',
    ]);
    const post = upstream.asked[1]!;
    expect(post.contentType).toMatch(/^application\/fhir\+json/);
    expect(post.body).toEqual({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Condition?patient=p1&_count=100' } },
        { request: { method: 'GET', url: 'Observation?patient=p1&_count=100' } },
      ],
    });
  });

  it.each([404, 405, 501])(
    'when the source answers the batch with %i, then each type is searched on its own and a warning says so',
    async (status) => {
      const script = answering([]);
      upstream.script((asked) =>
        asked.method === 'POST'
          ? {
              status,
              body: {
                resourceType: 'OperationOutcome',
                issue: [{ severity: 'error', code: 'not-supported' }],
              },
            }
          : script(asked),
      );

      const outcome = ok(await fetchByBatch());

      expect(outcome.record.resources.map(keyOf).sort()).toEqual(['Condition/c1', 'Observation/o1']);
      expect(outcome.warnings).toEqual([
        expect.objectContaining({
          severity: 'warning',
          code: 'not-supported',
          reason: 'batch-unsupported',
          text: expect.stringContaining(`does not support batch searches (HTTP ${status})`),
        }),
      ]);
      expect(upstream.asked.map((a) => a.method)).toEqual(['GET', 'POST', 'GET', 'GET']);
    },
  );

  it('when the source answers the batch with 500, then the source fails, as if every search had', async () => {
    upstream.script((asked) =>
      asked.method === 'POST'
        ? { status: 500, body: { resourceType: 'OperationOutcome', issue: [] } }
        : answering([])(asked),
    );
    const outcome = await fetchByBatch();
    expect(outcome).toMatchObject({ status: 'error', issue: { reason: 'http-500' } });
    expect(upstream.asked.map((a) => a.method)).toEqual(['GET', 'POST']);
  });

  const malformed: [string, unknown, string][] = [
    ['an OperationOutcome', { resourceType: 'OperationOutcome', issue: [] }, 'wrong-resource-type'],
    ['a searchset', searchset([condition('c1')]), 'invalid-batch-response'],
    ['a Bundle without a type', { resourceType: 'Bundle', entry: [] }, 'invalid-batch-response'],
    [
      'one entry for two searches',
      batchResponse([{ resource: searchset([condition('c1')]), response: { status: '200 OK' } }]),
      'invalid-batch-response',
    ],
    [
      'a success without a result',
      batchResponse([
        { resource: searchset([condition('c1')]), response: { status: '200 OK' } },
        { response: { status: '200 OK' } },
      ]),
      'invalid-batch-response',
    ],
    [
      'an entry without a response status',
      batchResponse([
        { resource: searchset([condition('c1')]), response: { status: '200 OK' } },
        { resource: searchset([observation('o1')]) },
      ]),
      'invalid-batch-response',
    ],
    [
      'an entry whose status is not a status',
      batchResponse([
        { resource: searchset([condition('c1')]), response: { status: 'OK' } },
        { resource: searchset([observation('o1')]), response: { status: '200 OK' } },
      ]),
      'invalid-batch-response',
    ],
  ];

  it.each(malformed)(
    'when the batch is answered with %s, then the source fails with a structure issue',
    async (_what, body, reason) => {
      upstream.script((asked) => (asked.method === 'POST' ? { body } : answering([])(asked)));

      const outcome = await fetchByBatch();

      expect(outcome).toMatchObject({ status: 'error', issue: { code: 'structure', reason } });
      if (outcome.status === 'error') expect(outcome.issue.text).toMatch(/^answered a batch/);
    },
  );

  it('when one entry failed (500), then that type has a warning and the other types are present', async () => {
    upstream.script(
      answering([
        { resource: searchset([condition('c1')]), response: { status: '200 OK' } },
        {
          response: {
            status: '500 Internal Server Error',
            outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
          },
        },
      ]),
    );

    const outcome = ok(await fetchByBatch());

    expect(outcome.record.resources.map(keyOf)).toEqual(['Condition/c1']);
    expect(outcome.warnings).toEqual([
      {
        severity: 'warning',
        code: 'transient',
        reason: 'http-500',
        text: 'Observation search: failed with a server error (HTTP 500)',
      },
    ]);
  });

  it('when every entry failed, then the source fails with the first failure', async () => {
    upstream.script(
      answering([
        { response: { status: '403 Forbidden' } },
        { response: { status: '500 Internal Server Error' } },
      ]),
    );
    const outcome = await fetchByBatch();
    expect(outcome).toMatchObject({ status: 'rejected', issue: { reason: 'http-403' } });
  });

  it('when an entry holds something other than a searchset, then that type fails as a search answered so would', async () => {
    upstream.script(
      answering([
        { resource: searchset([condition('c1')]), response: { status: '200 OK' } },
        { resource: { resourceType: 'OperationOutcome', issue: [] }, response: { status: '200 OK' } },
      ]),
    );
    const outcome = ok(await fetchByBatch());
    expect(outcome.record.resources.map(keyOf)).toEqual(['Condition/c1']);
    expect(outcome.warnings).toEqual([
      expect.objectContaining({
        reason: 'wrong-resource-type',
        text: 'Observation search: answered a search with a OperationOutcome instead of a Bundle',
      }),
    ]);
  });

  it('when entries carry outcomes, includes, other types and invalid ids, then they are filtered and reported as per-type searches do', async () => {
    const page = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: condition('c1'), search: { mode: 'match' } },
        { resource: { resourceType: 'Practitioner', id: 'pr1' }, search: { mode: 'include' } },
        { resource: observation('o9'), search: { mode: 'match' } },
        { resource: condition('bad id!'), search: { mode: 'match' } },
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'warning', code: 'incomplete', diagnostics: 'Some results were suppressed' }],
          },
          search: { mode: 'outcome' },
        },
      ],
    };
    upstream.script((asked) => {
      if (asked.method === 'POST') {
        return {
          body: batchResponse([
            { resource: page, response: { status: '200 OK' } },
            { resource: searchset([observation('o1')]), response: { status: '200 OK' } },
          ]),
        };
      }
      return asked.path.startsWith('/Condition?') ? { body: page } : answering([])(asked);
    });

    const byBatch = ok(await fetchByBatch());
    const byType = ok(
      await adapterFor(upstream.baseUrl, { searchBy: 'type', supplies: TYPES }).fetch(query(TYPES), ctx()),
    );

    expect(byBatch.record.resources.map(keyOf).sort()).toEqual(['Condition/c1', 'Observation/o1']);
    expect(byBatch.warnings.map((w) => w.reason).sort()).toEqual(['source-reported', 'unexpected-resource']);
    expect(comparable(byBatch)).toEqual(comparable(byType));
  });

  it('when entries have next links, then the later pages are fetched by GET, up to maxPages, and never off the source', async () => {
    const base = upstream.baseUrl;
    upstream.script(
      answering(
        [
          {
            resource: searchset([condition('c1')], `${base}/Condition?patient=p1&page=2`),
            response: { status: '200 OK' },
          },
          {
            resource: searchset([observation('o1')], 'http://elsewhere.example/fhir/Observation?page=2'),
            response: { status: '200 OK' },
          },
        ],
        {
          '/Condition?patient=p1&page=2': searchset([condition('c2')], `${base}/Condition?patient=p1&page=3`),
          '/Condition?patient=p1&page=3': searchset([condition('c3')]),
        },
      ),
    );

    const whole = ok(await fetchByBatch());
    expect(whole.record.resources.map(keyOf).sort()).toEqual([
      'Condition/c1',
      'Condition/c2',
      'Condition/c3',
      'Observation/o1',
    ]);
    expect(whole.warnings.map((w) => w.reason)).toEqual(['foreign-next-link']);
    expect(upstream.asked.map((a) => `${a.method} ${a.path}`).slice(1)).toEqual([
      'POST ',
      'GET /Condition?patient=p1&page=2',
      'GET /Condition?patient=p1&page=3',
    ]);

    const capped = ok(await fetchByBatch({ maxPages: 2 }));
    expect(capped.record.resources.map(keyOf).sort()).toEqual([
      'Condition/c1',
      'Condition/c2',
      'Observation/o1',
    ]);
    expect(capped.warnings).toContainEqual(
      expect.objectContaining({
        reason: 'truncated',
        text: 'Condition search: more than 2 pages; the rest was not fetched',
      }),
    );
  });

  it('when only one type is wanted, then it is searched by GET: a batch of one would save nothing', async () => {
    upstream.script(answering([]));
    const outcome = ok(
      await adapterFor(upstream.baseUrl, { searchBy: 'batch', supplies: TYPES }).fetch(
        query(['Condition']),
        ctx(),
      ),
    );
    expect(outcome.record.resources.map(keyOf)).toEqual(['Condition/c1']);
    expect(upstream.asked.map((a) => a.method)).toEqual(['GET', 'GET']);
  });
});

describe('the demo region searches its trusts by batch', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  it('when a view is served, then each trust gets its patient lookup and one batch, and the view is whole', async () => {
    const acute = t.region.nodes.acute;
    const mental = t.region.nodes['mental-health'];
    const before = { acute: acute.requests.search, mental: mental.requests.search };

    const { status, body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);

    expect(status).toBe(200);
    expect(acute.requests.search - before.acute).toBe(1);
    expect(mental.requests.search - before.mental).toBe(1);
    expect(sourceIssues(body, 'acute')).toEqual([]);
    expect(sourceIssues(body, 'mental-health')).toEqual([]);
    for (const prefix of ['acute-', 'mental-health-']) {
      expect((body.entry ?? []).some((e) => e.resource?.id?.startsWith(prefix))).toBe(true);
    }
  });
});
