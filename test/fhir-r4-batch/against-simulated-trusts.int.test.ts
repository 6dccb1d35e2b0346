import type { Bundle } from '@medplum/fhirtypes';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { loadConfig } from '../../config/load-config';
import { isRecordSource } from '../../config/schema';
import { startFhirNode, type RunningFhirNode } from '../../sim/fhir-node';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';
import { DEMO_CONFIG_FILE } from '../../sim/region-config';
import { getFhir, sourceIssues } from '../support/fhir-http';
import {
  adapterFor,
  closeAdapters,
  comparable,
  ctx,
  keyOf,
  ok,
  query,
  RICH,
  sorted,
} from '../support/fhir-r4-batch';
import { startTestRegion, type TestRegion } from '../support/test-region';

afterEach(closeAdapters);

describe('FHIR R4 searches in one batch, against the simulated trusts', () => {
  const population = generatePopulation({ size: 20 });
  const demo = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} });
  const trusts = ['acute', 'mental-health'] as const;
  const suppliesOf = (id: string): readonly RecordResourceType[] =>
    demo.sources.filter(isRecordSource).find((s) => s.id === id)!.supplies;
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
