import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

describe('admission control: more patient-data requests than the process takes', () => {
  let t: TestRegion;

  beforeAll(async () => {
    // Every node answers after 600 ms, so the first views are still in work when the rest arrive.
    t = await startTestRegion({
      latencyMs: 600,
      config: {
        server: {
          admission: { maxConcurrent: 2, maxQueued: 2, maxQueueWaitMs: 10_000, retryAfterSeconds: 3 },
        },
      },
    });
  });
  afterAll(() => t.close());

  const everything = async (): Promise<Response> =>
    fetch(`${t.fhir}/Patient/${DEMO_NHS_NUMBERS.rich}/$everything`, {
      headers: { authorization: await bearer(), accept: 'application/fhir+json' },
    });

  it('when six views arrive at once, then two are worked on, two wait their turn and two are refused at once with 503 and Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => everything()));

    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503, 503]);
    for (const refused of answers.filter((a) => a.status === 503)) {
      expect(refused.headers.get('retry-after')).toBe('3');
      expect(refused.headers.get('content-type')).toContain('application/fhir+json');
      const outcome = (await refused.json()) as {
        resourceType: string;
        issue: { code: string; diagnostics?: string; details?: { text?: string } }[];
      };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]?.code).toBe('transient');
      expect(JSON.stringify(outcome)).toContain('Try again in a moment');
    }
    // The views that were admitted, including the two that waited, carry every source's data.
    for (const admitted of answers.filter((a) => a.status === 200)) {
      const bundle = (await admitted.json()) as { entry?: { resource?: { id?: string } }[] };
      const sources = new Set((bundle.entry ?? []).map((e) => e.resource?.id?.split('-')[0]));
      expect(sources.size).toBeGreaterThanOrEqual(4);
    }
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    expect(metrics).toMatch(/^hie_admission_rejected_total 2$/m);
    expect(metrics).toMatch(/^hie_admission_requests\{state="working"\} 0$/m);
  });

  it('when the process has room again, then the next view is admitted', async () => {
    expect((await everything()).status).toBe(200);
  });

  it('when the CapabilityStatement is asked for while the process is full, then it is still answered', async () => {
    const busy = Array.from({ length: 4 }, () => everything());
    const metadata = await fetch(`${t.fhir}/metadata`);
    expect(metadata.status).toBe(200);
    await Promise.all(busy);
  });
});

describe('admission control: a turn that comes too late', () => {
  let t: TestRegion;

  beforeAll(async () => {
    t = await startTestRegion({
      latencyMs: 600,
      config: {
        server: { admission: { maxConcurrent: 1, maxQueued: 5, maxQueueWaitMs: 200, retryAfterSeconds: 1 } },
      },
    });
  });
  afterAll(() => t.close());

  it('when a request would start only after waiting past maxQueueWaitMs, then it is refused with 503 rather than started late', async () => {
    const answers = await Promise.all(
      Array.from({ length: 3 }, async () =>
        fetch(`${t.fhir}/Patient/${DEMO_NHS_NUMBERS.rich}/$everything`, {
          headers: { authorization: await bearer(), accept: 'application/fhir+json' },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503, 503]);
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    expect(metrics).toMatch(/^hie_admission_rejected_total 2$/m);
  });
});
