import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceOutcome } from '../../core/source-contract';

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

  readonly pageSnapshotBytes = new Gauge({
    name: 'hie_page_snapshot_bytes',
    help: 'Bytes (serialised JSON) of paged results this process keeps in memory for their next links.',
    registers: [this.registry],
  });

  readonly admissionRejected = new Counter({
    name: 'hie_admission_rejected_total',
    help: 'Patient-data requests refused with 503 because this process had as many as it works on and queues.',
    registers: [this.registry],
  });

  readonly admissionOccupancy = new Gauge({
    name: 'hie_admission_requests',
    help: 'Patient-data requests in this process, by state (working, waiting for a turn).',
    labelNames: ['state'] as const,
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

  readonly auditCommits = new Counter({
    name: 'hie_audit_commits_total',
    help: 'Audit commits (an AuditEvent with its alerts and changes), by outcome (committed, failed: the request was refused).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly auditCommitDuration = new Histogram({
    name: 'hie_audit_commit_duration_seconds',
    help: 'Time to commit an access to the audit journal (it is on every request path).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly sourceSkips = new Counter({
    name: 'hie_source_skipped_total',
    help: 'Sources not asked for a view, by source and reason (circuit-open, busy, not-supplied, loop, objection).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'hie_source_circuit_state',
    help: "Each source's circuit breaker: 0 closed (called), 1 half-open (one probe call), 2 open (skipped).",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly circuitTransitions = new Counter({
    name: 'hie_source_circuit_transitions_total',
    help: "Changes of a source's circuit breaker, by source and the state entered (closed, half-open, open).",
    labelNames: ['source', 'state'] as const,
    registers: [this.registry],
  });

  readonly sourceRetries = new Counter({
    name: 'hie_source_retries_total',
    help: 'Requests to a source sent again, by source and reason (connection-refused, connection-reset, http-429).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly sourceHedges = new Counter({
    name: 'hie_source_hedges_total',
    help: 'Reads also sent to a replica because the source was slow to answer, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly sourceHedgeWins = new Counter({
    name: 'hie_source_hedge_wins_total',
    help: "Hedged reads the replica answered first, by source (the source's own request was aborted).",
    labelNames: ['source'] as const,
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
      if (outcome.status === 'skipped')
        this.sourceSkips.inc({ source: outcome.sourceId, reason: outcome.reason });
    }
  }
}
