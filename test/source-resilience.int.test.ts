import type { Bundle } from '@medplum/fhirtypes';
import { createAdapter } from '../broker/federation/create-adapter';
import { Federation } from '../broker/federation/federation';
import { createLogger } from '../broker/observability/logger';
import { BrokerMetrics } from '../broker/observability/metrics';
import { loadFederationKey, loadSigningKey } from '../core/trust/signing-key';
import { sourceSchema } from '../config/schema';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { getFhir, reasonOf, sourceIssues, statusOf } from './support/fhir-http';

const RICH = DEMO_NHS_NUMBERS.rich;
const DEADLINE_MS = 2000;
const population = generatePopulation({ size: 10 });
const SUPPLIES = ['Condition', 'Observation', 'Encounter'];

function fhirSource(
  id: string,
  node: { baseUrl: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    kind: 'fhir-r4',
    name: `Trust ${id}`,
    odsCode: 'R1X',
    baseUrl: node.baseUrl,
    supplies: SUPPLIES,
    ...extra,
  };
}

function served(node: RunningFhirNode): number {
  return node.requests.patient + node.requests.search;
}

/** The source's entries in a view (matches and grouped includes). */
function entriesFrom(body: Bundle, sourceId: string): number {
  return (body.entry ?? []).filter(
    (e) => e.resource?.id?.startsWith(`${sourceId}-`) && e.search?.mode !== 'outcome',
  ).length;
}

function durationOf(issue: ReturnType<typeof sourceIssues>[number] | undefined): number | undefined {
  return issue?.extension?.[0]?.extension?.find((e) => e.url === 'durationMs')?.valueInteger;
}

/**
 * A view of the rich patient. The relationship is stated, not verified from the record: the
 * record is what the failing source would have said, and these tests are about the sources.
 */
const view = (broker: BrokerUnderTest): ReturnType<typeof getFhir<Bundle>> =>
  getFhir<Bundle>(`${broker.fhir}/Patient/${RICH}/$everything`, {
    headers: { 'x-hie-relationship': 'self-claimed', 'x-hie-access-reason': 'Resilience test' },
  });

describe('policies per source, against real servers', () => {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  async function node(dataset: 'acute' | 'mental-health' = 'acute'): Promise<RunningFhirNode> {
    const n = await startFhirNode({ dataset: population.nodes[dataset] });
    started.push(n);
    return n;
  }

  async function broker(sources: Record<string, unknown>[]): Promise<BrokerUnderTest> {
    const b = await startBrokerUnderTest({
      id: 'resilience',
      sources,
      federation: { deadlineMs: DEADLINE_MS, sourceTimeoutMs: 1500 },
    });
    started.unshift(b);
    return b;
  }

  describe('circuit breaker', () => {
    it('when a source fails N times in a row, then the next view reports it skipped (circuit-open) without calling it, and a probe after halfOpenAfter closes it again', async () => {
      const acute = await node();
      const mental = await node('mental-health');
      const b = await broker([
        fhirSource('acute', acute, {
          resilience: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 } },
        }),
        fhirSource('mental', mental, { odsCode: 'R1Y' }),
      ]);
      acute.setFault({ fault: { kind: 'status', status: 500 } });
      for (let i = 0; i < 3; i++) {
        expect(statusOf(sourceIssues((await view(b)).body, 'acute')[0])).toBe('error');
      }
      const before = served(acute);

      const { status, body } = await view(b);

      expect(status).toBe(200);
      const [issue] = sourceIssues(body, 'acute');
      expect(statusOf(issue)).toBe('skipped');
      expect(reasonOf(issue)).toBe('circuit-open');
      expect(issue?.details?.text).toMatch(/^Trust acute \(R1X\) was not asked: .+/);
      expect(served(acute)).toBe(before);
      expect(entriesFrom(body, 'mental')).toBeGreaterThan(0);

      acute.setFault(null);
      await new Promise((resolve) => setTimeout(resolve, 450));
      const probe = await view(b);
      expect(sourceIssues(probe.body, 'acute')).toEqual([]);
      expect(entriesFrom(probe.body, 'acute')).toBeGreaterThan(0);
      expect(served(acute)).toBeGreaterThan(before);
      const after = await view(b);
      expect(sourceIssues(after.body, 'acute')).toEqual([]);
    });

    it('when a source keeps resetting connections, then that opens its circuit too', async () => {
      const acute = await node();
      const b = await broker([
        fhirSource('acute', acute, { resilience: { circuitBreaker: { consecutiveFailures: 2 } } }),
        fhirSource('mental', await node('mental-health'), { odsCode: 'R1Y' }),
      ]);
      acute.setFault({ fault: { kind: 'reset' } });
      await view(b);
      await view(b);
      const before = served(acute);

      const { body } = await view(b);

      expect(reasonOf(sourceIssues(body, 'acute')[0])).toBe('circuit-open');
      expect(served(acute)).toBe(before);
    });

    it('when the circuit changes, then health() and the metrics show it per source', async () => {
      const acute = await node();
      const config = sourceSchema.parse(
        fhirSource('acute', acute, {
          resilience: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } },
        }),
      );
      const metrics = new BrokerMetrics({ defaultMetrics: false });
      const federation = new Federation({
        adapters: [
          createAdapter(config, {
            userAgent: 'test',
            signingKey: await loadSigningKey(undefined),
            federationKey: await loadFederationKey(undefined),
            brokerId: 'test',
            onFault: () => {},
            onRetry: (sourceId, reason) => metrics.sourceRetries.inc({ source: sourceId, reason }),
          }),
        ],
        sourceTimeoutMs: () => 1000,
        hopLimit: 3,
        logger: createLogger({ level: 'silent' }),
        metrics,
      });
      started.push(federation);
      const query = {
        queryId: 'q',
        nhsNumber: RICH,
        resourceTypes: ['Condition'] as const,
        requester: { userId: 'u', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
        chain: [],
        deadline: Date.now() + 5000,
      };
      expect(federation.health()).toEqual([{ sourceId: 'acute', circuit: 'closed', inFlight: 0, queued: 0 }]);
      acute.setFault({ fault: { kind: 'status', status: 503 } });

      await federation.query(query, { requestId: 'r1' });
      await federation.query(query, { requestId: 'r2' });

      expect(federation.health()[0]?.circuit).toBe('open');
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/hie_source_circuit_state\{source="acute"\} 2/);
      expect(text).toMatch(/hie_source_circuit_transitions_total\{source="acute",state="open"\} 1/);
    });
  });

  describe('bulkhead', () => {
    it('when more views than maxConcurrent + maxQueued wait on a hung source, then the extra ones are skipped as busy at once', async () => {
      const acute = await node();
      const mental = await node('mental-health');
      const b = await broker([
        fhirSource('acute', acute, {
          resilience: {
            bulkhead: { maxConcurrent: 2, maxQueued: 1 },
            circuitBreaker: { consecutiveFailures: 100 },
          },
        }),
        fhirSource('mental', mental, { odsCode: 'R1Y' }),
      ]);
      acute.setFault({ fault: { kind: 'hang' } });

      const views = await Promise.all(Array.from({ length: 6 }, () => view(b)));

      const acuteIssues = views.map((v) => sourceIssues(v.body, 'acute')[0]);
      const busy = acuteIssues.filter((i) => reasonOf(i) === 'busy');
      expect(busy).toHaveLength(3);
      for (const issue of busy) {
        expect(statusOf(issue)).toBe('skipped');
        expect(durationOf(issue)).toBeLessThan(50);
      }
      expect(acuteIssues.filter((i) => statusOf(i) === 'timeout')).toHaveLength(3);
      // The two admitted calls reached the source, and the queued one if its turn came with time left.
      expect(acute.requests.patient).toBeGreaterThanOrEqual(2);
      expect(acute.requests.patient).toBeLessThanOrEqual(3);
      for (const v of views) {
        expect(v.elapsedMs).toBeLessThan(DEADLINE_MS);
        expect(entriesFrom(v.body, 'mental')).toBeGreaterThan(0);
      }
    });
  });

  describe('retries', () => {
    it('when a source resets the first connection, then the request is sent again and the view is whole', async () => {
      const acute = await node();
      const b = await broker([fhirSource('acute', acute)]);
      acute.setFault({ fault: { kind: 'reset' }, times: 1 });

      const { body } = await view(b);

      expect(sourceIssues(body, 'acute')).toEqual([]);
      expect(entriesFrom(body, 'acute')).toBeGreaterThan(0);
      expect(acute.requests.patient).toBe(2);
    });

    it('when a source answers 429 with a Retry-After that fits in its time, then the broker waits that long and asks again', async () => {
      const acute = await node();
      const b = await broker([fhirSource('acute', acute)]);
      acute.setFault({ fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 });

      const { body, elapsedMs } = await view(b);

      expect(sourceIssues(body, 'acute')).toEqual([]);
      expect(entriesFrom(body, 'acute')).toBeGreaterThan(0);
      expect(elapsedMs).toBeGreaterThanOrEqual(1000);
      expect(acute.requests.patient).toBe(2);
    });

    it('when a Retry-After would not fit in the time left, then the 429 stands at once, not retried', async () => {
      const acute = await node();
      const b = await broker([fhirSource('acute', acute)]);
      acute.setFault({ fault: { kind: 'status', status: 429, retryAfter: '30' } });

      const { body, elapsedMs } = await view(b);

      expect(reasonOf(sourceIssues(body, 'acute')[0])).toBe('http-429');
      expect(elapsedMs).toBeLessThan(500);
      expect(acute.requests.patient).toBe(1);
    });

    it('when a source times out, then it is not retried', async () => {
      const acute = await node();
      const b = await broker([fhirSource('acute', acute, { timeoutMs: 300 })]);
      acute.setFault({ fault: { kind: 'hang' } });

      await view(b);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(served(acute)).toBe(1);
    });

    it('when a source resets every connection, then the retry budget keeps its calls within 10% (plus a small floor) of the views', async () => {
      const acute = await node();
      const b = await broker([
        fhirSource('acute', acute, {
          resilience: {
            retry: { maxAttempts: 3, budgetRatio: 0.1 },
            circuitBreaker: { consecutiveFailures: 1000 },
          },
        }),
      ]);
      acute.setFault({ fault: { kind: 'reset' } });
      const views = 40;

      for (let i = 0; i < views; i++) await view(b);

      // Each view makes one first request (the patient lookup, which fails); without the budget, 3 each.
      expect(acute.requests.patient).toBeGreaterThan(views);
      expect(acute.requests.patient).toBeLessThanOrEqual(Math.floor(views * 1.1) + 3);
    });
  });

  describe('hedging', () => {
    it('when the source hangs and its replica answers, then the view has the answer about the hedge delay later and the hung request is aborted', async () => {
      const primary = await node();
      const replica = await node();
      const b = await broker([
        fhirSource('acute', primary, {
          replicas: [replica.baseUrl],
          resilience: { hedging: { enabled: true, minDelayMs: 200, maxDelayMs: 200 } },
        }),
      ]);
      primary.setFault({ fault: { kind: 'hang' } });

      const { body, elapsedMs } = await view(b);

      expect(sourceIssues(body, 'acute')).toEqual([]);
      expect(entriesFrom(body, 'acute')).toBeGreaterThan(0);
      expect(elapsedMs).toBeGreaterThanOrEqual(200);
      expect(elapsedMs).toBeLessThan(700);
      expect(replica.requests.patient).toBe(1);
      // The broker closed the hung request: the source saw its client go.
      for (let i = 0; i < 20 && primary.abandoned() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(primary.abandoned()).toBe(1);
      // Provenance still names the source, not the replica it was read from.
      const resource = body.entry?.find((e) => e.resource?.id?.startsWith('acute-'))?.resource;
      expect(resource?.meta?.source).toContain(primary.baseUrl);
    });
  });

  describe('decompression bombs', () => {
    it.each([
      ['past the size cap', 256 * 1024, 'too-large'],
      ['at an absurd ratio under the cap', 32 * 1024 * 1024, 'compression-bomb'],
    ])(
      'when a source sends a gzip body inflating %s, then it is refused with an error and the other source is whole',
      async (_what, maxResponseBytes, reason) => {
        const acute = await node();
        const mental = await node('mental-health');
        const b = await broker([
          fhirSource('acute', acute, { maxResponseBytes }),
          fhirSource('mental', mental, { odsCode: 'R1Y' }),
        ]);
        acute.setFault({ fault: { kind: 'gzip-bomb', inflatedBytes: 64 * 1024 * 1024 } });

        const { status, body, elapsedMs } = await view(b);

        expect(status).toBe(200);
        const [issue] = sourceIssues(body, 'acute');
        expect(statusOf(issue)).toBe('error');
        expect(reasonOf(issue)).toBe(reason);
        // Refused as it streamed, well before the source's 1.5 s limit (the reason would be a timeout otherwise).
        expect(elapsedMs).toBeLessThan(1500);
        expect(entriesFrom(body, 'mental')).toBeGreaterThan(0);
        expect(sourceIssues(body, 'mental')).toEqual([]);
      },
    );
  });
});
