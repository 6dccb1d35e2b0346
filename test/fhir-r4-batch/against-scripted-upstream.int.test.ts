import type { SourceOutcome } from '../../core/source-contract';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { adapterFor, closeAdapters, comparable, ctx, keyOf, ok, query } from '../support/fhir-r4-batch';

afterEach(closeAdapters);

import type { Script } from '../support/scripted-fhir-upstream';
import {
  batchResponse,
  condition,
  observation,
  searchset,
  startFakeUpstream,
} from '../support/scripted-fhir-upstream';
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
