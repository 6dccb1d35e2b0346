import { Counter, Histogram, type Registry } from 'prom-client';

/** Real-time notifications: attempts by outcome, dead letters, suppressed notifications, end-to-end latency. */
export class NotificationMetrics {
  readonly attempts: Counter<'outcome'>;
  readonly deadLettered: Counter<'topic'>;
  readonly suppressed: Counter<'reason'>;
  readonly latency: Histogram<'topic'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'hie_notification_attempts_total',
      help: 'Notification delivery attempts to subscribers, by outcome (delivered, timeout, transport, http-4xx, http-5xx, http-other).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'hie_notifications_dead_lettered_total',
      help: 'Notifications given up on after the last attempt (events.delivery.attempts); each is in the journal as dead-letter.',
      labelNames: ['topic'] as const,
      registers: [registry],
    });
    this.suppressed = new Counter({
      name: 'hie_notifications_suppressed_total',
      help: 'Notifications not made for a matching subscription, by reason (objection, sensitive-data).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'hie_notification_latency_seconds',
      help: 'From the event being recorded to the subscriber acknowledging its notification.',
      labelNames: ['topic'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  }
}
