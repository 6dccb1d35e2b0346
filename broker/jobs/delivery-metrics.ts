import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryFailureReason } from './sink-client';

/** Outbox delivery, by sink: what arrived, what failed (and why, as a closed set), and what is waiting. */
export class DeliveryMetrics {
  readonly delivered: Counter<'sink'>;
  readonly failed: Counter<'sink' | 'reason'>;
  readonly backlog: Gauge<'sink'>;

  constructor(registry: Registry) {
    this.delivered = new Counter({
      name: 'hie_audit_delivered_total',
      help: 'Journal entries delivered to an external sink (fhir, siem, alerts).',
      labelNames: ['sink'] as const,
      registers: [registry],
    });
    this.failed = new Counter({
      name: 'hie_audit_delivery_failures_total',
      help: 'Failed delivery attempts, by sink and reason (timeout, transport, http-4xx, http-5xx, …); each is retried.',
      labelNames: ['sink', 'reason'] as const,
      registers: [registry],
    });
    this.backlog = new Gauge({
      name: 'hie_audit_delivery_backlog',
      help: 'Entries not yet delivered to the sink at the last outbox sweep (counted up to one sweep batch).',
      labelNames: ['sink'] as const,
      registers: [registry],
    });
  }

  recordFailure(sink: string, reason: DeliveryFailureReason): void {
    this.failed.inc({ sink, reason });
  }
}
