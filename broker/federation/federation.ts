import type { PatientQuery, SourceAdapter, SourceOutcome, TraceContext } from '../../core/source-contract';
import type { Logger } from '../observability/logger';
import type { BrokerMetrics } from '../observability/metrics';
import { SourceGuard, type SourceHealth } from './source-guard';

export interface FederationOptions {
  /** In priority order: the first source that knows the patient gives the view's demographics. */
  readonly adapters: readonly SourceAdapter[];
  /** Each source's own time limit; the query's deadline still caps it. */
  readonly sourceTimeoutMs: (sourceId: string) => number;
  /** Brokers a request may pass through; a peer is not asked when calling it would exceed this. */
  readonly hopLimit: number;
  readonly logger: Logger;
  /** Where circuit states, transitions and hedges are counted. */
  readonly metrics?: BrokerMetrics;
}

/**
 * Fans a patient query out to every eligible source in parallel. Resolves with one outcome per
 * source, in source order, no later than the query's deadline, whatever the adapters do. Each
 * source's calls pass through its own guard: time limit, bulkhead, circuit breaker, hedging.
 */
export class Federation {
  private readonly guards: readonly SourceGuard[];

  constructor(private readonly options: FederationOptions) {
    this.guards = options.adapters.map(
      (adapter) => new SourceGuard({ adapter, logger: options.logger, metrics: options.metrics }),
    );
  }

  get adapters(): readonly SourceAdapter[] {
    return this.options.adapters;
  }

  query(query: PatientQuery, trace: TraceContext): Promise<SourceOutcome[]> {
    return Promise.all(this.guards.map((guard) => this.ask(guard, query, trace)));
  }

  /** Each source's circuit and load, in source order (for /readyz detail). */
  health(): SourceHealth[] {
    return this.guards.map((guard) => guard.health());
  }

  private ask(guard: SourceGuard, query: PatientQuery, trace: TraceContext): Promise<SourceOutcome> {
    const { source } = guard.adapter;
    // The patient objects to sharing from this source's organisation: it is never asked.
    if (query.objectedSources?.includes(source.id)) {
      return Promise.resolve({ sourceId: source.id, status: 'skipped', reason: 'objection', durationMs: 0 });
    }
    if (
      (query.onlySources && !query.onlySources.includes(source.id)) ||
      (query.resourceTypes.length > 0 && !query.resourceTypes.some((type) => source.supplies.includes(type)))
    ) {
      return Promise.resolve({
        sourceId: source.id,
        status: 'skipped',
        reason: 'not-supplied',
        durationMs: 0,
      });
    }
    if (source.kind === 'broker' && query.chain.length + 1 >= this.options.hopLimit) {
      return Promise.resolve({ sourceId: source.id, status: 'skipped', reason: 'loop', durationMs: 0 });
    }
    const limitMs = Math.min(this.options.sourceTimeoutMs(source.id), query.deadline - Date.now());
    return guard.call(query, trace, limitMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.options.adapters.map((adapter) => adapter.close()));
  }
}
