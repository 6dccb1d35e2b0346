import type { Bundle } from '@medplum/fhirtypes';
import { DEMO_NHS_NUMBERS, type SimNodeId } from '../sim/population/types';
import type { SimFaultRule } from '../sim/sim-faults';
import { bearer } from './support/identity';
import { getFhir, logContent, reasonOf, sourceIssues, statusOf } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const DEADLINE_MS = 1500;

describe('a misbehaving source degrades that source only', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion({
      federation: { deadlineMs: DEADLINE_MS, sourceTimeoutMs: 1000 },
      // One broker sees every fault in turn: its circuit breakers are tested on their own (source-resilience).
      sources: {
        maxResponseBytes: 256 * 1024,
        resilience: { circuitBreaker: { consecutiveFailures: 1000 } },
      },
    });
  });
  afterEach(() => t.heal());
  afterAll(() => t.close());

  async function viewWith(
    node: SimNodeId,
    rule: SimFaultRule,
  ): Promise<{ body: Bundle; elapsedMs: number; status: number }> {
    t.region.nodes[node].setFault(rule);
    // A clinician whose own source is not the broken one: their relationship is evidenced by it.
    return getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`, {
      headers: { authorization: await bearer(node === 'gp' ? 'ed-doctor' : 'gp') },
    });
  }

  function healthySourcesComplete(body: Bundle, broken: SimNodeId): void {
    const shown = new Set(
      (body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!.split('-')[0]),
    );
    for (const id of ['gp', 'acute', 'mental', 'ambulance', 'neighbouring']) {
      if (broken.startsWith(id)) continue;
      expect(shown.has(id)).toBe(true);
    }
  }

  it('when a node hangs, then the view arrives within the deadline plus 100 ms and names that node timed out', async () => {
    const { status, body, elapsedMs } = await viewWith('acute', { fault: { kind: 'hang' } });
    expect(status).toBe(200);
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + 100);
    const [issue] = sourceIssues(body, 'acute');
    expect(statusOf(issue)).toBe('timeout');
    expect(issue?.code).toBe('timeout');
    expect(issue?.details?.text).toMatch(
      /^Riverside University Hospitals NHS Trust \(R1X\) did not answer within \d+ ms/,
    );
    healthySourcesComplete(body, 'acute');
  });

  it('when a node sends its body a byte at a time, then it times out like a hang', async () => {
    const { body, elapsedMs } = await viewWith('gp', {
      fault: { kind: 'slow-body', intervalMs: 200 },
      on: 'search',
    });
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + 100);
    expect(statusOf(sourceIssues(body, 'gp')[0])).toBe('timeout');
    healthySourcesComplete(body, 'gp');
  });

  const failures: [string, SimFaultRule, string, string][] = [
    ['answers 500', { fault: { kind: 'status', status: 500 } }, 'error', 'http-500'],
    [
      'answers 503 to searches only',
      { fault: { kind: 'status', status: 503 }, on: 'search' },
      'error',
      'http-503',
    ],
    ['answers malformed JSON', { fault: { kind: 'malformed-json' } }, 'error', 'invalid-json'],
    ['answers HTML', { fault: { kind: 'wrong-content-type' } }, 'error', 'wrong-content-type'],
    [
      'answers a Patient instead of a Bundle',
      { fault: { kind: 'wrong-resource-type' } },
      'error',
      'wrong-resource-type',
    ],
    [
      'redirects elsewhere',
      { fault: { kind: 'redirect', location: 'http://127.0.0.1:1/fhir' } },
      'error',
      'redirect-refused',
    ],
    ['resets the connection', { fault: { kind: 'reset' } }, 'error', 'connection-reset'],
    [
      'sends a body over the size cap',
      { fault: { kind: 'oversized', bytes: 1024 * 1024 } },
      'error',
      'too-large',
    ],
    ['refuses the broker (403)', { fault: { kind: 'status', status: 403 } }, 'rejected', 'http-403'],
  ];

  it.each(failures)(
    'when a node %s, then that node has an %s outcome (%s) and the rest of the view is whole',
    async (_what, rule, status, reason) => {
      const { status: http, body } = await viewWith('mental-health', rule);
      expect(http).toBe(200);
      const [issue] = sourceIssues(body, 'mental-health');
      expect(statusOf(issue)).toBe(status);
      expect(reasonOf(issue)).toBe(reason);
      expect(issue?.details?.text).toMatch(
        /^Thameside Mental Health NHS Foundation Trust \(R1Y\) .+; its data is not in this view\.$/,
      );
      expect((body.entry ?? []).some((e) => e.resource?.id?.startsWith('mental-health-'))).toBe(false);
      healthySourcesComplete(body, 'mental-health');
    },
  );

  it("when a node returns another patient's resources, then they are withheld and the node's own are shown", async () => {
    const { body } = await viewWith('acute', { fault: { kind: 'other-patient' }, on: 'search' });
    const dataset = t.region.population.nodes.acute;
    const ownIds = new Set(
      dataset.records.get(dataset.localIdByNhs.get(RICH)!)!.resources.map((r) => `acute-${r.id}`),
    );
    // Shown, or grouped under another source's record of the same fact (then an include).
    const shown = (body.entry ?? []).filter(
      (e) =>
        (e.search?.mode === 'match' || e.search?.mode === 'include') &&
        e.resource?.resourceType !== 'Provenance' &&
        e.resource?.id?.startsWith('acute-'),
    );
    expect(shown.length).toBe(ownIds.size);
    for (const entry of shown) expect(ownIds.has(entry.resource!.id!)).toBe(true);
    // A safety incident: a metric and a log line, neither naming the patient.
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    expect(metrics).toMatch(/hie_safety_incidents_total\{source="acute",kind="other-patient"\} [1-9]/);
    const incident = t.logs.find((l) => l.msg === 'safety incident');
    expect(incident).toMatchObject({ sourceId: 'acute', kind: 'other-patient' });
    expect(incident?.count).toBeGreaterThan(0);
    expect(logContent(incident)).not.toMatch(/\d{10}/);
    const withheld = sourceIssues(body, 'acute').find((i) => reasonOf(i) === 'other-patient');
    expect(withheld?.details?.text).toMatch(/did not refer to this patient; they were withheld/);
  });

  it('when a node pages its results, then every page is followed; past the page cap, the view says it was truncated', async () => {
    const paged = await startTestRegion({ sources: { pageSize: 2 } });
    const capped = await startTestRegion({ sources: { pageSize: 2, maxPages: 1 } });
    try {
      const whole = await getFhir<Bundle>(`${paged.fhir}/Observation?patient=${RICH}`);
      // The acute trust speaks FHIR R4 and pages its searches.
      const dataset = paged.region.population.nodes.acute;
      const observations = dataset.records
        .get(dataset.localIdByNhs.get(RICH)!)!
        .resources.filter((r) => r.resourceType === 'Observation');
      expect(observations.length).toBeGreaterThan(2);
      // Matches, and acute results grouped under the GP's record of the same result (includes).
      const fromAcute = (bundle: Bundle) =>
        (bundle.entry ?? []).filter(
          (e) =>
            (e.search?.mode === 'match' || e.search?.mode === 'include') &&
            e.resource?.resourceType === 'Observation' &&
            e.resource?.id?.startsWith('acute-'),
        );
      expect(fromAcute(whole.body)).toHaveLength(observations.length);

      const cut = await getFhir<Bundle>(`${capped.fhir}/Observation?patient=${RICH}`);
      expect(fromAcute(cut.body)).toHaveLength(2);
      const truncated = sourceIssues(cut.body, 'acute').find((i) => reasonOf(i) === 'truncated');
      expect(truncated?.details?.text).toMatch(
        /Observation search: more than 1 pages; the rest was not fetched/,
      );
    } finally {
      await paged.close();
      await capped.close();
    }
  });

  it('when every source that could know the patient fails, then the answer is 503, not an empty record', async () => {
    for (const id of ['gp', 'acute', 'mental-health', 'ambulance', 'neighbouring-ics'] as const) {
      t.region.nodes[id].setFault({ fault: { kind: 'status', status: 500 } });
    }
    const { status, body } = await getFhir(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(status).toBe(503);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(body)).toMatch(/could not be reached/);
  });

  it('when a node has failed, then the next view is whole again (the failure was not remembered as data)', async () => {
    await viewWith('ambulance', { fault: { kind: 'status', status: 500 } });
    t.heal();
    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(sourceIssues(body, 'ambulance')).toEqual([]);
  });
});
