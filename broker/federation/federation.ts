import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { PatientQuery, SourceAdapter, SourceOutcome, TraceContext } from '../../core/source-contract';
import { withSourceCallMeter, type SourceCallMeter } from '../../core/source-call-meter';
import { inSpan, SPAN } from '../observability/spans';
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

  /**
   * Every source's outcome, in source order. `onOutcome` is told of each as it arrives (with the
   * source's place in that order), for work that need not wait for the slowest source; it must not throw.
   */
  query(
    query: PatientQuery,
    trace: TraceContext,
    onOutcome?: (outcome: SourceOutcome, index: number) => void,
  ): Promise<SourceOutcome[]> {
    return Promise.all(
      this.guards.map((guard, index) => {
        const asked = this.traced(guard, query, trace);
        if (!onOutcome) return asked;
        return asked.then((outcome) => {
          onOutcome(outcome, index);
          return outcome;
        });
      }),
    );
  }

  /** One span per source, skipped ones too: its id, kind, outcome, resource count and bytes read. */
  private traced(guard: SourceGuard, query: PatientQuery, trace: TraceContext): Promise<SourceOutcome> {
    const { source } = guard.adapter;
    return inSpan(
      `${SPAN.sourceCall} ${source.id}`,
      { 'hie.source.id': source.id, 'hie.source.kind': source.kind },
      async (span) => {
        if (!span.isRecording()) return this.ask(guard, query, trace);
        const meter: SourceCallMeter = { requests: 0, bytes: 0 };
        const outcome = await withSourceCallMeter(meter, () => this.ask(guard, query, trace));
        span.setAttributes(outcomeAttributes(outcome, meter));
        if (outcome.status === 'timeout' || outcome.status === 'error')
          span.setStatus({ code: SpanStatusCode.ERROR });
        return outcome;
      },
    );
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

/** What a source call's span says about its outcome: status, why, how much. No PHI. */
function outcomeAttributes(outcome: SourceOutcome, meter: SourceCallMeter): Attributes {
  const attributes: Attributes = {
    'hie.source.outcome': outcome.status,
    'hie.source.duration_ms': outcome.durationMs,
    'hie.source.requests': meter.requests,
    'hie.source.response_bytes': meter.bytes,
  };
  switch (outcome.status) {
    case 'ok':
      attributes['hie.source.resources'] = outcome.record.resources.length;
      attributes['hie.source.warnings'] = outcome.warnings.length;
      break;
    case 'error':
    case 'rejected':
      attributes['hie.source.reason'] = outcome.issue.reason;
      break;
    case 'skipped':
      attributes['hie.source.reason'] = outcome.reason;
      break;
    default:
      attributes['hie.source.resources'] = 0;
  }
  return attributes;
}
