import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceOutcome } from '../../adapters/contract';

/**
 * The broker's Prometheus metrics. Labels are source ids, statuses and kinds: never an NHS number,
 * a user or anything from a record.
 */
export class BrokerMetrics {
  readonly registry = new Registry();

  readonly views = new Counter({
    name: 'hie_views_total',
    help: 'Patient views answered, by availability (found, not-found, unavailable).',
    labelNames: ['availability'] as const,
    registers: [this.registry],
  });

  readonly sourceOutcomes = new Counter({
    name: 'hie_source_outcomes_total',
    help: 'Source outcomes, by source and status (ok, no-match, timeout, error, rejected, skipped).',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });

  readonly sourceDuration = new Histogram({
    name: 'hie_source_duration_seconds',
    help: 'Time each source took to answer (or to be given up on), by source and status.',
    labelNames: ['source', 'status'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [this.registry],
  });

  readonly safetyIncidents = new Counter({
    name: 'hie_safety_incidents_total',
    help: 'Items or sources withheld for clinical safety, by source and kind (other-patient, demographic-mismatch).',
    labelNames: ['source', 'kind'] as const,
    registers: [this.registry],
  });

  readonly access = new Counter({
    name: 'hie_access_total',
    help: 'Patient views by relationship basis (verified, self-claimed, emergency) and outcome (granted, denied).',
    labelNames: ['basis', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'hie_' });
  }

  recordOutcomes(outcomes: readonly SourceOutcome[]): void {
    for (const outcome of outcomes) {
      this.sourceOutcomes.inc({ source: outcome.sourceId, status: outcome.status });
      this.sourceDuration.observe(
        { source: outcome.sourceId, status: outcome.status },
        outcome.durationMs / 1000,
      );
    }
  }
}
