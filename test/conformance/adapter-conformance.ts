import type { PatientQuery, SourceAdapter, SourceOutcome } from '../../core/source-contract';
import type { SourceHttpClientOptions } from '../../adapters/http/source-http-client';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { generatePopulation } from '../../sim/population/generate-population';
import {
  DEMO_NHS_NUMBERS,
  type NodeDataset,
  type Population,
  type SimNodeId,
} from '../../sim/population/types';
import type { SimFaultRule } from '../../sim/sim-faults';
import type { RunningSimNode } from '../../sim/sim-node-base';

/** What an adapter's conformance run needs: its protocol's simulated node, and the adapter pointed at it. */
export interface ConformanceTarget {
  /** The protocol, as the suite names it. */
  readonly name: string;
  /** Which node of the demo population the fake serves (e.g. 'gp'). */
  readonly datasetNode: SimNodeId;
  /** The types the query asks for. */
  readonly resourceTypes: readonly RecordResourceType[];
  /** Starts the protocol's simulated node on port 0 over the dataset. */
  startNode(dataset: NodeDataset, population: Population): Promise<RunningSimNode>;
  /** The adapter under test, pointed at the node, its HTTP client with these limits and retries. */
  createAdapter(node: RunningSimNode, limits: ConformanceLimits): Promise<SourceAdapter>;
}

export type ConformanceLimits = Required<Pick<SourceHttpClientOptions, 'maxResponseBytes' | 'retry'>>;

/** How long the suite gives an adapter; it must resolve by then, plus a little scheduling slack. */
export const CONFORMANCE_DEADLINE_MS = 800;
/** Scheduling slack on a loaded two-core machine: the point is that no adapter outlives its signal by much. */
const SLACK_MS = 400;
const SIZE_CAP = 64 * 1024;
const LIMITS: ConformanceLimits = { maxResponseBytes: SIZE_CAP, retry: { maxAttempts: 2, budgetRatio: 0.1 } };

interface Case {
  readonly when: string;
  readonly rule: SimFaultRule | null;
  readonly nhsNumber?: string;
  readonly expect: SourceOutcome['status'];
  /** The reason code the outcome's issue must carry (error and rejected outcomes). */
  readonly reason?: string | RegExp;
  /** How many requests the node must have served: a failure that is not retried is asked once. */
  readonly requests?: number;
}

const CASES: readonly Case[] = [
  { when: 'the patient is known', rule: null, expect: 'ok' },
  { when: 'the patient is not known', rule: null, nhsNumber: '9434765919', expect: 'no-match' },
  {
    when: 'it answers 401',
    rule: { fault: { kind: 'status', status: 401 } },
    expect: 'rejected',
    reason: 'http-401',
  },
  {
    when: 'it answers 403',
    rule: { fault: { kind: 'status', status: 403 } },
    expect: 'rejected',
    reason: /^(http-403|[a-z-]+)$/,
  },
  {
    when: 'it answers 500',
    rule: { fault: { kind: 'status', status: 500 } },
    expect: 'error',
    reason: /^(http-500|[a-z-]+)$/,
    requests: 1,
  },
  {
    when: 'it answers 503',
    rule: { fault: { kind: 'status', status: 503 } },
    expect: 'error',
    reason: /^(http-503|[a-z-]+)$/,
  },
  { when: 'it hangs past the deadline', rule: { fault: { kind: 'hang' } }, expect: 'timeout', requests: 1 },
  {
    when: 'it drips its body slowly',
    rule: { fault: { kind: 'slow-body', intervalMs: 100 } },
    expect: 'timeout',
  },
  {
    when: 'it resets the connection',
    rule: { fault: { kind: 'reset' } },
    expect: 'error',
    reason: 'connection-reset',
  },
  {
    when: 'it resets the first connection, then answers',
    rule: { fault: { kind: 'reset' }, times: 1 },
    expect: 'ok',
  },
  {
    when: 'it answers 429 with Retry-After once, then answers',
    rule: { fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 1 },
    expect: 'ok',
  },
  {
    when: 'it answers malformed JSON',
    rule: { fault: { kind: 'malformed-json' } },
    expect: 'error',
    reason: 'invalid-json',
  },
  {
    when: 'it answers with the wrong content type',
    rule: { fault: { kind: 'wrong-content-type' } },
    expect: 'error',
    reason: 'wrong-content-type',
  },
  {
    when: 'it answers with JSON of the wrong shape',
    rule: { fault: { kind: 'wrong-resource-type' } },
    expect: 'error',
    reason: /^(wrong-resource-type|invalid-response)$/,
  },
  {
    when: 'its body is over the size cap',
    rule: { fault: { kind: 'oversized', bytes: 4 * SIZE_CAP } },
    expect: 'error',
    reason: 'too-large',
  },
  {
    when: 'it answers with a gzip bomb',
    rule: { fault: { kind: 'gzip-bomb', inflatedBytes: 256 * SIZE_CAP } },
    expect: 'error',
    reason: /^(too-large|compression-bomb)$/,
  },
  {
    when: 'it redirects (302)',
    rule: { fault: { kind: 'redirect', location: 'http://127.0.0.1:9/elsewhere' } },
    expect: 'error',
    reason: 'redirect-refused',
  },
  {
    when: "it answers with a different patient's record",
    rule: { fault: { kind: 'wrong-patient' } },
    expect: 'error',
    reason: 'patient-mismatch',
  },
];

function query(nhsNumber: string, resourceTypes: readonly RecordResourceType[]): PatientQuery {
  return {
    queryId: 'conformance',
    nhsNumber,
    resourceTypes,
    requester: {
      userId: 'conformance-user',
      role: 'R8000',
      organisationOds: 'X26',
      purposeOfUse: 'TREAT',
    },
    chain: [],
    deadline: Date.now() + CONFORMANCE_DEADLINE_MS,
  };
}

/**
 * The one contract every adapter must keep, run against a scriptable node of its own protocol:
 * whatever the upstream does, `fetch` resolves (never rejects), within the deadline, with the
 * outcome that names what happened.
 */
export function describeAdapterConformance(target: ConformanceTarget): void {
  describe(`${target.name} adapter conformance`, () => {
    const population = generatePopulation({ size: 10 });
    let node: RunningSimNode;
    let adapter: SourceAdapter;

    beforeAll(async () => {
      node = await target.startNode(population.nodes[target.datasetNode], population);
      adapter = await target.createAdapter(node, LIMITS);
    });
    afterEach(() => node.setFault(null));
    afterAll(async () => {
      await adapter.close();
      await node.close();
    });

    it.each(CASES)('when $when, then it resolves with $expect within the deadline', async (c) => {
      node.setFault(c.rule);
      const signal = AbortSignal.timeout(CONFORMANCE_DEADLINE_MS);
      const started = performance.now();
      const served = (): number => node.requests.patient + node.requests.search;
      const before = served();

      const outcome = await adapter.fetch(query(c.nhsNumber ?? DEMO_NHS_NUMBERS.rich, target.resourceTypes), {
        signal,
        deadline: Date.now() + CONFORMANCE_DEADLINE_MS,
        trace: { requestId: 'conformance-request' },
      });

      expect(performance.now() - started).toBeLessThan(CONFORMANCE_DEADLINE_MS + SLACK_MS);
      if (c.requests !== undefined) expect(served() - before).toBe(c.requests);
      expect(outcome.sourceId).toBe(adapter.source.id);
      expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
      expect(outcome.status).toBe(c.expect);
      if (outcome.status === 'error' || outcome.status === 'rejected') {
        expect(outcome.issue.reason).toMatch(c.reason ?? /.+/);
        expect(outcome.issue.text).not.toMatch(/\d{10}/);
      }
      if (outcome.status === 'ok') {
        expect(outcome.record.resources.length).toBeGreaterThan(0);
        for (const resource of outcome.record.resources)
          expect(target.resourceTypes).toContain(resource.resourceType);
      }
    });
  });
}
