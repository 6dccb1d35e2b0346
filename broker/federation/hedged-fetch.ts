import type { SourceOutcome } from '../../core/source-contract';
import { ExtraCallBudget } from '../../adapters/http/extra-call-budget';
import { LatencyWindow } from './latency-window';

export interface HedgingOptions {
  /** Base URLs of the source's replicas; hedges go to them in turn. */
  readonly replicas: readonly string[];
  /** The hedge delay is the source's recent p95, kept within these. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Hedges allowed per call over a sliding window (plus a small floor). */
  readonly budgetRatio: number;
}

/** One read of the source at a base URL (undefined: its own), stopping when the signal aborts. */
export type ReadAt = (baseUrl: string | undefined, signal: AbortSignal) => Promise<SourceOutcome>;

/** Fewer answered calls than this and the p95 is not trusted: the hedge waits the longest allowed. */
const MIN_SAMPLES = 20;

/** An outcome that settles the read; a timeout or an error leaves the other request to try. */
function answered(outcome: SourceOutcome): boolean {
  return outcome.status !== 'timeout' && outcome.status !== 'error';
}

/**
 * Hedged reads for one source with replicas ("The Tail at Scale"): the read goes to the source;
 * if no answer has come by its recent p95 latency, the same read goes to a replica too, and
 * the first answer wins while the other request is aborted. Only reads are hedged (every adapter
 * call is a read). Hedges are budgeted, so a source that is slow for everyone gets at most a few
 * percent more calls, not twice as many. Cockatiel has no hedging policy, hence this.
 */
export class HedgedFetch {
  private readonly latency = new LatencyWindow();
  private readonly budget: ExtraCallBudget;
  private nextReplica = 0;

  constructor(private readonly options: HedgingOptions) {
    this.budget = new ExtraCallBudget({ ratio: options.budgetRatio });
  }

  /** How long a read waits before it is hedged: the recent p95, within the configured bounds. */
  delayMs(): number {
    const { minDelayMs, maxDelayMs } = this.options;
    const p95 = this.latency.count >= MIN_SAMPLES ? this.latency.quantile(0.95) : undefined;
    return Math.min(maxDelayMs, Math.max(minDelayMs, p95 ?? maxDelayMs));
  }

  /**
   * Reads once, or twice when the first is slow; resolves with the first answer, or (when neither
   * answers) with the first request's failure. Both requests end when `signal` aborts.
   */
  read(
    readAt: ReadAt,
    signal: AbortSignal,
    events: { onHedge?: () => void; onHedgeWon?: () => void } = {},
  ): Promise<SourceOutcome> {
    this.budget.recordCall();
    return new Promise<SourceOutcome>((resolve) => {
      const requests: AbortController[] = [];
      const failures: SourceOutcome[] = [];
      let done = false;
      const finish = (outcome: SourceOutcome): void => {
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', abortAll);
        for (const request of requests) request.abort(new Error('another request answered first'));
        resolve(outcome);
      };
      const abortAll = (): void => requests.forEach((request) => request.abort(signal.reason));
      signal.addEventListener('abort', abortAll, { once: true });

      const send = (baseUrl: string | undefined, isHedge: boolean): void => {
        const request = new AbortController();
        requests.push(request);
        const started = performance.now();
        void readAt(baseUrl, request.signal).then((outcome) => {
          if (answered(outcome) && !request.signal.aborted) this.latency.record(performance.now() - started);
          if (done) return;
          if (answered(outcome)) {
            if (isHedge) events.onHedgeWon?.();
            finish(outcome);
            return;
          }
          failures.push(outcome);
          // Hedging is for slowness, not failover: a failure stands unless another request is still out.
          if (failures.length === requests.length) finish(failures[0]!);
        });
      };

      const timer = setTimeout(() => {
        if (done || signal.aborted || !this.budget.tryExtra()) return;
        events.onHedge?.();
        const replica = this.options.replicas[this.nextReplica++ % this.options.replicas.length];
        send(replica, true);
      }, this.delayMs());
      send(undefined, false);
    });
  }
}
