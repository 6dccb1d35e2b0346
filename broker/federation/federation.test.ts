import type {
  AdapterContext,
  PatientQuery,
  SourceAdapter,
  SourceDescriptor,
  SourceOutcome,
} from '../../core/source-contract';
import { resilienceSchema } from '../../core/source-resilience';
import { createLogger } from '../observability/logger';
import { BrokerMetrics } from '../observability/metrics';
import { Federation } from './federation';

const descriptor = (
  id: string,
  supplies: SourceDescriptor['supplies'] = ['Condition'],
): SourceDescriptor => ({
  id,
  kind: 'fhir-r4',
  name: id,
  odsCode: 'X1',
  baseUrl: `http://${id}.test`,
  supplies,
});

/** Adapters that behave in one scripted way each; they implement the contract, they do not mock a boundary. */
function adapter(
  id: string,
  behaviour: (signal: AbortSignal) => Promise<SourceOutcome>,
  supplies?: SourceDescriptor['supplies'],
): SourceAdapter & { sawSignal?: AbortSignal } {
  const a: SourceAdapter & { sawSignal?: AbortSignal } = {
    source: descriptor(id, supplies),
    fetch: (_query, ctx) => {
      a.sawSignal = ctx.signal;
      return behaviour(ctx.signal);
    },
    close: async () => {},
  };
  return a;
}

const query = (
  deadlineInMs: number,
  resourceTypes: PatientQuery['resourceTypes'] = ['Condition'],
): PatientQuery => ({
  queryId: 'q1',
  nhsNumber: '9000000009',
  resourceTypes,
  requester: { userId: 'u', role: 'r', organisationOds: 'X', purposeOfUse: 'TREAT' },
  chain: [],
  deadline: Date.now() + deadlineInMs,
});

const logger = createLogger({ level: 'silent' });
const trace = { requestId: 'r1' };

describe('Federation', () => {
  it('when an adapter ignores its signal and never answers, then the view still resolves at the source limit with a timeout', async () => {
    const stuck = adapter('stuck', () => new Promise<SourceOutcome>(() => {}));
    const quick = adapter('quick', async () => ({ sourceId: 'quick', status: 'no-match', durationMs: 1 }));
    const federation = new Federation({
      adapters: [stuck, quick],
      sourceTimeoutMs: () => 100,
      hopLimit: 3,
      logger,
    });

    const started = Date.now();
    const outcomes = await federation.query(query(5000), trace);

    // Cut at the source's 100 ms limit, long before the view's 5 s deadline (the bound leaves room for a loaded machine).
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcomes.map((o) => [o.sourceId, o.status])).toEqual([
      ['stuck', 'timeout'],
      ['quick', 'no-match'],
    ]);
    expect(stuck.sawSignal?.aborted).toBe(true);
  });

  it('when the overall deadline is sooner than a source limit, then the deadline wins', async () => {
    const slow = adapter('slow', () => new Promise<SourceOutcome>(() => {}));
    const federation = new Federation({
      adapters: [slow],
      sourceTimeoutMs: () => 10_000,
      hopLimit: 3,
      logger,
    });
    const started = Date.now();
    const [outcome] = await federation.query(query(150), trace);
    expect(outcome?.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('when an adapter breaks its contract and rejects, then the source has an error outcome and the view goes on', async () => {
    const broken = adapter('broken', () => Promise.reject(new TypeError('bug')));
    const federation = new Federation({
      adapters: [broken],
      sourceTimeoutMs: () => 1000,
      hopLimit: 3,
      logger,
    });
    const [outcome] = await federation.query(query(1000), trace);
    expect(outcome).toMatchObject({
      sourceId: 'broken',
      status: 'error',
      issue: { reason: 'adapter-fault' },
    });
  });

  it('when a source supplies none of the requested types, then it is skipped without being called', async () => {
    let called = false;
    const mh = adapter(
      'mh',
      async () => {
        called = true;
        return { sourceId: 'mh', status: 'no-match', durationMs: 0 };
      },
      ['CarePlan'],
    );
    const federation = new Federation({ adapters: [mh], sourceTimeoutMs: () => 1000, hopLimit: 3, logger });
    const [outcome] = await federation.query(query(1000, ['Condition']), trace);
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'not-supplied' });
    expect(called).toBe(false);
  });

  it('when the patient objects to sharing from a source, then it is skipped (objection) without being called', async () => {
    let called = false;
    const objected = adapter('objected', async () => {
      called = true;
      return { sourceId: 'objected', status: 'no-match', durationMs: 0 };
    });
    const federation = new Federation({
      adapters: [objected],
      sourceTimeoutMs: () => 1000,
      hopLimit: 3,
      logger,
    });
    const [outcome] = await federation.query({ ...query(1000), objectedSources: ['objected'] }, trace);
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'objection' });
    expect(called).toBe(false);
  });

  it('when five sources are asked, then all five are in flight at once, not one after another', async () => {
    let inFlight = 0;
    let most = 0;
    const counting = (id: string) =>
      adapter(id, async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return { sourceId: id, status: 'no-match', durationMs: 20 };
      });
    const federation = new Federation({
      adapters: ['a', 'b', 'c', 'd', 'e'].map(counting),
      sourceTimeoutMs: () => 1000,
      hopLimit: 3,
      logger,
    });
    await federation.query(query(1000), trace);
    expect(most).toBe(5);
  });

  it('when a source answers while another is still working, then onOutcome hears of it then, with its place in source order', async () => {
    let releaseSlow: () => void = () => {};
    const slow = adapter(
      'slow',
      () =>
        new Promise<SourceOutcome>((resolve) => {
          releaseSlow = () => resolve({ sourceId: 'slow', status: 'no-match', durationMs: 50 });
        }),
    );
    const quick = adapter('quick', async () => ({ sourceId: 'quick', status: 'no-match', durationMs: 1 }));
    const federation = new Federation({
      adapters: [slow, quick],
      sourceTimeoutMs: () => 1000,
      hopLimit: 3,
      logger,
    });
    const heard: string[] = [];
    const answered = federation.query(query(1000), trace, (outcome, index) =>
      heard.push(`${index}:${outcome.sourceId}`),
    );
    while (heard.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(heard).toEqual(['1:quick']);
    releaseSlow();
    const outcomes = await answered;
    expect(heard).toEqual(['1:quick', '0:slow']);
    expect(outcomes.map((o) => o.sourceId)).toEqual(['slow', 'quick']);
  });

  describe('resilience policies', () => {
    const failing = (id: string): SourceOutcome => ({
      sourceId: id,
      status: 'error',
      issue: { severity: 'error', code: 'transient', reason: 'http-500', text: 'failed' },
      durationMs: 1,
    });

    /** A scripted source with resilience settings, counting the calls that reach it. */
    function guarded(
      id: string,
      resilience: Record<string, unknown>,
      behaviour: (ctx: AdapterContext) => Promise<SourceOutcome>,
      descriptorExtra: Partial<SourceDescriptor> = {},
    ): SourceAdapter & { calls: number } {
      const a = {
        source: { ...descriptor(id), ...descriptorExtra },
        resilience: resilienceSchema.parse(resilience),
        calls: 0,
        fetch: (_query: PatientQuery, ctx: AdapterContext) => {
          a.calls++;
          return behaviour(ctx);
        },
        close: async () => {},
      };
      return a;
    }

    const federationOf = (adapters: SourceAdapter[], metrics?: BrokerMetrics): Federation =>
      new Federation({
        adapters,
        sourceTimeoutMs: () => 1000,
        hopLimit: 3,
        logger,
        ...(metrics ? { metrics } : {}),
      });

    it('when a source fails N times in a row, then it is skipped as circuit-open without being called, until a probe after halfOpenAfter succeeds', async () => {
      let healthy = false;
      const source = guarded(
        's',
        { circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 150 } },
        async () => (healthy ? { sourceId: 's', status: 'no-match', durationMs: 1 } : failing('s')),
      );
      const metrics = new BrokerMetrics({ defaultMetrics: false });
      const federation = federationOf([source], metrics);

      for (let i = 0; i < 3; i++)
        expect((await federation.query(query(1000), trace))[0]?.status).toBe('error');
      expect(federation.health()).toEqual([{ sourceId: 's', circuit: 'open', inFlight: 0, queued: 0 }]);
      const [skipped] = await federation.query(query(1000), trace);
      expect(skipped).toMatchObject({ status: 'skipped', reason: 'circuit-open' });
      expect(source.calls).toBe(3);
      expect(await metrics.registry.getSingleMetricAsString('hie_source_circuit_state')).toMatch(
        /hie_source_circuit_state\{source="s"\} 2/,
      );

      healthy = true;
      await new Promise((resolve) => setTimeout(resolve, 170));
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('no-match');
      expect(source.calls).toBe(4);
      expect(federation.health()[0]?.circuit).toBe('closed');
      const transitions = await metrics.registry.getSingleMetricAsString(
        'hie_source_circuit_transitions_total',
      );
      expect(transitions).toMatch(/state="open"\} 1/);
      expect(transitions).toMatch(/state="half-open"\} 1/);
      expect(transitions).toMatch(/state="closed"\} 1/);
    });

    it('when the half-open probe fails, then the circuit opens again and the next view is skipped', async () => {
      const source = guarded(
        's',
        { circuitBreaker: { consecutiveFailures: 1, halfOpenAfterMs: 50 } },
        async () => failing('s'),
      );
      const federation = federationOf([source]);
      await federation.query(query(1000), trace);
      await new Promise((resolve) => setTimeout(resolve, 70));
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('error'); // the probe
      expect((await federation.query(query(1000), trace))[0]).toMatchObject({ reason: 'circuit-open' });
      expect(source.calls).toBe(2);
    });

    it('when a source refuses (4xx) or knows nobody, then that is not a failure and the circuit stays closed', async () => {
      let n = 0;
      const source = guarded('s', { circuitBreaker: { consecutiveFailures: 2 } }, async () =>
        n++ % 2 === 0
          ? {
              sourceId: 's',
              status: 'rejected',
              issue: { severity: 'error', code: 'forbidden', reason: 'http-403', text: 'no consent' },
              durationMs: 1,
            }
          : { sourceId: 's', status: 'no-match', durationMs: 1 },
      );
      const federation = federationOf([source]);
      for (let i = 0; i < 6; i++) await federation.query(query(1000), trace);
      expect(source.calls).toBe(6);
      expect(federation.health()[0]?.circuit).toBe('closed');
    });

    it('when a source times out N times, then the circuit opens (a timeout is a failure)', async () => {
      const source = guarded(
        's',
        { circuitBreaker: { consecutiveFailures: 2 } },
        () => new Promise<SourceOutcome>(() => {}),
      );
      const federation = new Federation({
        adapters: [source],
        sourceTimeoutMs: () => 50,
        hopLimit: 3,
        logger,
      });
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('timeout');
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('timeout');
      expect((await federation.query(query(1000), trace))[0]).toMatchObject({ reason: 'circuit-open' });
    });

    it('when more views than the bulkhead and its queue hold are on a hung source, then the extra ones are skipped as busy at once', async () => {
      const source = guarded(
        's',
        { bulkhead: { maxConcurrent: 2, maxQueued: 1 }, circuitBreaker: { consecutiveFailures: 100 } },
        (ctx) =>
          new Promise<SourceOutcome>((resolve) =>
            ctx.signal.addEventListener('abort', () =>
              resolve({ sourceId: 's', status: 'timeout', durationMs: 0 }),
            ),
          ),
      );
      const federation = new Federation({
        adapters: [source],
        sourceTimeoutMs: () => 300,
        hopLimit: 3,
        logger,
      });
      const started = performance.now();
      const views = Array.from({ length: 5 }, () =>
        federation.query(query(1000), trace).then(([o]) => ({ o: o!, at: performance.now() - started })),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(federation.health()[0]).toMatchObject({ inFlight: 2, queued: 1 });
      const results = await Promise.all(views);
      const busy = results.filter((r) => r.o.status === 'skipped');
      expect(busy).toHaveLength(2);
      for (const r of busy) {
        expect(r.o).toMatchObject({ reason: 'busy' });
        expect(r.at).toBeLessThan(50);
      }
      // Two called and timed out; the queued one's time ran out while it waited.
      expect(results.filter((r) => r.o.status === 'timeout')).toHaveLength(3);
      expect(source.calls).toBe(2);
      expect(federation.health()[0]).toMatchObject({ inFlight: 0, queued: 0 });
    });

    it('when an adapter ignores its signal, then its bulkhead slot is still released at the time limit', async () => {
      const source = guarded(
        's',
        { bulkhead: { maxConcurrent: 1, maxQueued: 0 }, circuitBreaker: { consecutiveFailures: 100 } },
        () => new Promise<SourceOutcome>(() => {}),
      );
      const federation = new Federation({
        adapters: [source],
        sourceTimeoutMs: () => 50,
        hopLimit: 3,
        logger,
      });
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('timeout');
      // The slot is given back as the limit passes (the view itself may answer a moment before).
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(federation.health()[0]).toMatchObject({ inFlight: 0 });
      expect((await federation.query(query(1000), trace))[0]?.status).toBe('timeout');
      expect(source.calls).toBe(2);
    });

    it('when a hedged source is slow, then the read also goes to a replica after the hedge delay and the first answer wins', async () => {
      const seen: { baseUrl: string | undefined; aborted: () => boolean }[] = [];
      const source = guarded(
        's',
        { hedging: { enabled: true, minDelayMs: 60, maxDelayMs: 60 } },
        (ctx) => {
          seen.push({ baseUrl: ctx.baseUrl, aborted: () => ctx.signal.aborted });
          if (ctx.baseUrl === undefined) return new Promise<SourceOutcome>(() => {});
          return Promise.resolve({ sourceId: 's', status: 'no-match', durationMs: 1 });
        },
        { replicas: ['http://replica-1.test', 'http://replica-2.test'] },
      );
      const metrics = new BrokerMetrics({ defaultMetrics: false });
      const federation = federationOf([source], metrics);
      const started = performance.now();
      const [outcome] = await federation.query(query(1000), trace);
      const elapsed = performance.now() - started;
      expect(outcome?.status).toBe('no-match');
      expect(elapsed).toBeGreaterThanOrEqual(55);
      expect(elapsed).toBeLessThan(200);
      expect(seen.map((s) => s.baseUrl)).toEqual([undefined, 'http://replica-1.test']);
      expect(seen[0]?.aborted()).toBe(true);
      expect(await metrics.registry.getSingleMetricAsString('hie_source_hedge_wins_total')).toMatch(/\} 1/);
    });

    it('when the source answers before the hedge delay, then no replica is asked', async () => {
      const urls: (string | undefined)[] = [];
      const source = guarded(
        's',
        { hedging: { enabled: true, minDelayMs: 100, maxDelayMs: 100 } },
        async (ctx) => {
          urls.push(ctx.baseUrl);
          return { sourceId: 's', status: 'no-match', durationMs: 1 };
        },
        { replicas: ['http://replica-1.test'] },
      );
      await federationOf([source]).query(query(1000), trace);
      expect(urls).toEqual([undefined]);
    });
  });
});
