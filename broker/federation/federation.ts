import type {
  AdapterContext,
  PatientQuery,
  SourceAdapter,
  SourceOutcome,
  TraceContext,
} from '../../adapters/contract';
import type { Logger } from '../observability/logger';

export interface FederationOptions {
  /** In priority order: the first source that knows the patient gives the view's demographics. */
  readonly adapters: readonly SourceAdapter[];
  /** Each source's own time limit; the query's deadline still caps it. */
  readonly sourceTimeoutMs: (sourceId: string) => number;
  /** Brokers a request may pass through; a peer is not asked when calling it would exceed this. */
  readonly hopLimit: number;
  readonly logger: Logger;
}

/**
 * Fans a patient query out to every eligible source in parallel. Resolves with one outcome per
 * source, in source order, no later than the query's deadline, whatever the adapters do.
 */
export class Federation {
  constructor(private readonly options: FederationOptions) {}

  get adapters(): readonly SourceAdapter[] {
    return this.options.adapters;
  }

  query(query: PatientQuery, trace: TraceContext): Promise<SourceOutcome[]> {
    return Promise.all(this.options.adapters.map((adapter) => this.ask(adapter, query, trace)));
  }

  private async ask(
    adapter: SourceAdapter,
    query: PatientQuery,
    trace: TraceContext,
  ): Promise<SourceOutcome> {
    const { source } = adapter;
    const started = performance.now();
    const durationMs = (): number => Math.round(performance.now() - started);
    if (
      query.resourceTypes.length > 0 &&
      !query.resourceTypes.some((type) => source.supplies.includes(type))
    ) {
      return { sourceId: source.id, status: 'skipped', reason: 'not-supplied', durationMs: 0 };
    }
    if (source.kind === 'broker' && query.chain.length + 1 >= this.options.hopLimit) {
      return { sourceId: source.id, status: 'skipped', reason: 'loop', durationMs: 0 };
    }

    const limitMs = Math.max(
      0,
      Math.min(this.options.sourceTimeoutMs(source.id), query.deadline - Date.now()),
    );
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Resolves at the time limit even if an adapter ignores its signal, so no source can hold the view.
    const timedOut = new Promise<SourceOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('source time limit reached'));
        resolve({ sourceId: source.id, status: 'timeout', durationMs: durationMs() });
      }, limitMs);
    });
    const ctx: AdapterContext = { signal: controller.signal, trace };
    const answered = adapter.fetch(query, ctx).catch((error: unknown): SourceOutcome => {
      this.options.logger.error(
        { err: error, sourceId: source.id, requestId: trace.requestId },
        'adapter rejected',
      );
      return {
        sourceId: source.id,
        status: 'error',
        issue: {
          severity: 'error',
          code: 'exception',
          reason: 'adapter-fault',
          text: 'could not be read because of a fault in its adapter',
        },
        durationMs: durationMs(),
      };
    });
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new Error('view finished'));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.options.adapters.map((adapter) => adapter.close()));
  }
}
