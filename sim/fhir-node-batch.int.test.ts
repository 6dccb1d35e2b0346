import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { startFhirNode, type RunningFhirNode } from './fhir-node';
import { generatePopulation } from './population/generate-population';
import { DEMO_NHS_NUMBERS } from './population/types';

const RICH = DEMO_NHS_NUMBERS.rich;

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
