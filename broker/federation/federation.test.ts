import type { PatientQuery, SourceAdapter, SourceDescriptor, SourceOutcome } from '../../adapters/contract';
import { createLogger } from '../observability/logger';
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

    expect(Date.now() - started).toBeLessThan(300);
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
});
