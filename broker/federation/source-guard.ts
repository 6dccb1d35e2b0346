import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  IsolatedCircuitError,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleType,
  timeout,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type {
  AdapterContext,
  PatientQuery,
  SourceAdapter,
  SourceOutcome,
  TraceContext,
} from '../../core/source-contract';
import { resilienceSchema, type SourceResilience } from '../../core/source-resilience';
import type { Logger } from '../observability/logger';
import type { BrokerMetrics } from '../observability/metrics';
import { HedgedFetch } from './hedged-fetch';

export const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;
export type CircuitStateName = (typeof CIRCUIT_STATES)[number];

/** One source's health, for readiness detail: its circuit and how many views are on it. */
export interface SourceHealth {
  readonly sourceId: string;
  readonly circuit: CircuitStateName;
  /** Views calling the source now. */
  readonly inFlight: number;
  /** Views waiting for a turn (the bulkhead's queue). */
  readonly queued: number;
}

/** The configuration's defaults, for adapters built without configuration (tests). */
const DEFAULT_RESILIENCE: SourceResilience = resilienceSchema.parse({});

/** A call is not started with less time than this left. */
const MIN_CALL_MS = 5;

/**
 * Why an adapter's signal was aborted. Made once: aborting without a reason constructs a DOMException,
 * stack trace and all, and every call's signal is aborted when the call returns.
 */
const TIMED_OUT = Object.freeze({ name: 'TimeoutError', message: 'the source call ran out of time' });
const RETURNED = Object.freeze({ name: 'AbortError', message: 'the source call has returned' });

/**
 * Runs `call` with a signal that aborts when `limitMs` pass or `parent` aborts, and rejects with a
 * TaskCancelledError at that moment even if the call ignores its signal (cockatiel's aggressive
 * timeout, as the breaker must see every call end); when the call settles, its signal is aborted, so
 * that nothing it left running (another request, a hedge) outlives it.
 */
export async function withinLimit<T>(
  limitMs: number,
  parent: AbortSignal,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const { signal } = controller;
  let cancel: (error: TaskCancelledError) => void = () => undefined;
  const cancelled = new Promise<never>((_, reject) => {
    cancel = reject;
  });
  const stop = (reason: unknown): void => {
    if (signal.aborted) return;
    controller.abort(reason);
    cancel(new TaskCancelledError(`Operation timed out after ${limitMs}ms`));
  };
  const onParentAbort = (): void => stop(parent.reason);
  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => stop(TIMED_OUT), limitMs);
  try {
    return await Promise.race([call(signal), cancelled]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
    if (!signal.aborted) controller.abort(RETURNED);
  }
}

function stateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}

/**
 * What counts against a source's circuit: it timed out or failed (5xx, network, a body it could not
 * send properly). Not a no-match, and not a refusal (4xx: no consent, not authorised), which is the
 * source working as it should.
 */
function isFailure(outcome: unknown): boolean {
  const status = (outcome as SourceOutcome).status;
  return status === 'timeout' || status === 'error';
}

export interface SourceGuardOptions {
  readonly adapter: SourceAdapter;
  readonly logger: Logger;
  readonly metrics?: BrokerMetrics | undefined;
}

/**
 * The policies around one source's calls, built with cockatiel, outermost first:
 * - a time limit (aggressive: the view gets its timeout outcome when time is up, even from an
 *   adapter that ignores its signal, and the adapter's signal is aborted);
 * - a bulkhead (so many calls at once, a short queue; past that the source is skipped as `busy`);
 * - a circuit breaker (after a run of failures it is skipped as `circuit-open` until a probe
 *   succeeds), around a second time limit so that the breaker always sees its call end;
 * - hedged reads against the source's replicas, when configured.
 * Retries are not here: they are per HTTP request, in the source's HTTP client.
 */
export class SourceGuard {
  readonly adapter: SourceAdapter;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly hedged: HedgedFetch | undefined;
  private readonly limits: SourceResilience['bulkhead'];

  constructor(private readonly options: SourceGuardOptions) {
    const { adapter, logger, metrics } = options;
    this.adapter = adapter;
    const resilience = adapter.resilience ?? DEFAULT_RESILIENCE;
    const { circuitBreaker: cb, hedging } = resilience;
    this.limits = resilience.bulkhead;
    this.bulkhead = bulkhead(this.limits.maxConcurrent, this.limits.maxQueued);
    this.breaker = circuitBreaker(handleType(TaskCancelledError).orWhenResult(isFailure), {
      halfOpenAfter: cb.halfOpenAfterMs,
      breaker: cb.failureRatio
        ? new CountBreaker({
            threshold: cb.failureRatio.threshold,
            size: cb.failureRatio.window,
            minimumNumberOfCalls: cb.failureRatio.minimumCalls,
          })
        : new ConsecutiveBreaker(cb.consecutiveFailures),
    });
    const sourceId = adapter.source.id;
    metrics?.circuitState.set({ source: sourceId }, 0);
    this.breaker.onStateChange((state) => {
      const name = stateName(state);
      metrics?.circuitState.set({ source: sourceId }, CIRCUIT_STATES.indexOf(name));
      metrics?.circuitTransitions.inc({ source: sourceId, state: name });
      logger[name === 'closed' ? 'info' : 'warn']({ sourceId, circuit: name }, 'source circuit changed');
    });
    const replicas = adapter.source.replicas ?? [];
    this.hedged =
      hedging.enabled && replicas.length > 0 ? new HedgedFetch({ ...hedging, replicas }) : undefined;
  }

  health(): SourceHealth {
    return {
      sourceId: this.adapter.source.id,
      circuit: stateName(this.breaker.state),
      inFlight: this.limits.maxConcurrent - this.bulkhead.executionSlots,
      queued: this.limits.maxQueued - this.bulkhead.queueSlots,
    };
  }

  /** One view's call to the source: resolves with its outcome within `limitMs`, never rejects. */
  async call(query: PatientQuery, trace: TraceContext, limitMs: number): Promise<SourceOutcome> {
    const sourceId = this.adapter.source.id;
    const started = performance.now();
    const durationMs = (): number => Math.round(performance.now() - started);
    if (limitMs <= 0) return { sourceId, status: 'timeout', durationMs: 0 };
    const deadline = Date.now() + limitMs;
    // The turn may come after a wait in the queue: it gets what is left of the source's time.
    const turn = ({ signal }: { signal: AbortSignal }): Promise<SourceOutcome> => {
      const leftMs = deadline - Date.now();
      // Too late to be worth a call, which would only count against the source's circuit.
      if (leftMs < MIN_CALL_MS) throw new TaskCancelledError();
      return this.breaker.execute(
        ({ signal: probe }) =>
          // A limit inside the breaker too, so that it sees every call end, whatever the adapter does.
          withinLimit(leftMs, probe, (call) => this.fetch(query, { signal: call, trace, deadline })),
        signal,
      );
    };
    try {
      // The adapter's signal is aborted when its call returns (withinLimit), so this one need not be.
      return await timeout(limitMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }).execute(
        ({ signal }) => this.bulkhead.execute(turn, signal),
      );
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        return { sourceId, status: 'skipped', reason: 'circuit-open', durationMs: durationMs() };
      }
      if (error instanceof BulkheadRejectedError) {
        return { sourceId, status: 'skipped', reason: 'busy', durationMs: durationMs() };
      }
      if (error instanceof TaskCancelledError)
        return { sourceId, status: 'timeout', durationMs: durationMs() };
      this.options.logger.error({ err: error, sourceId, requestId: trace.requestId }, 'source guard fault');
      return this.faultOutcome(durationMs());
    }
  }

  /** The adapter's answer, from the source or (hedged) the first of it and a replica to answer. */
  private fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    const { hedged } = this;
    if (!hedged) return this.fetchAt(query, ctx);
    const sourceId = this.adapter.source.id;
    const { metrics } = this.options;
    return hedged.read(
      (baseUrl, signal) => this.fetchAt(query, { ...ctx, signal, ...(baseUrl ? { baseUrl } : {}) }),
      ctx.signal,
      {
        onHedge: () => metrics?.sourceHedges.inc({ source: sourceId }),
        onHedgeWon: () => metrics?.sourceHedgeWins.inc({ source: sourceId }),
      },
    );
  }

  /** The adapter's promise is to resolve; one that rejects has a fault, reported as the source's error. */
  private async fetchAt(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    const started = performance.now();
    try {
      return await this.adapter.fetch(query, ctx);
    } catch (error) {
      this.options.logger.error(
        { err: error, sourceId: this.adapter.source.id, requestId: ctx.trace.requestId },
        'adapter rejected',
      );
      return this.faultOutcome(Math.round(performance.now() - started));
    }
  }

  private faultOutcome(durationMs: number): SourceOutcome {
    return {
      sourceId: this.adapter.source.id,
      status: 'error',
      issue: {
        severity: 'error',
        code: 'exception',
        reason: 'adapter-fault',
        text: 'could not be read because of a fault in its adapter',
      },
      durationMs,
    };
  }
}
