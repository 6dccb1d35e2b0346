import { SpanKind } from '@opentelemetry/api';
import type { AuditConfig } from '../../config/schema';
import { contextOf, inSpan, SPAN } from '../observability/spans';
import type { Journal, JournalEntry } from '../audit/journal/journal';
import type { Logger } from '../observability/logger';
import { readSecret } from '../../core/trust/secret';
import { SINK_ROUTES, type DeliveryJob, type SinkName } from './delivery-job';
import type { DeliveryMetrics } from './delivery-metrics';
import { LogThrottle } from './log-throttle';
import { DeliveryFailure, SinkClient, type SinkRequest } from './sink-client';

type SinkConfig = NonNullable<AuditConfig['sinks'][SinkName]>;

/** Which attempt this is, so that the last one is logged as handed back to the outbox sweep. */
export interface Attempt {
  readonly number: number;
  readonly of: number;
}

/**
 * The one delivery function both queues run (BullMQ and in-process): load the entry from the journal,
 * send it to the sink idempotently by its id, then record in the journal that the sink has it. A crash
 * between the two redelivers the same id later, which every sink deduplicates.
 */
export class EntryDeliverer {
  private readonly clients = new Map<SinkName, SinkClient>();
  private readonly throttle = new LogThrottle(60_000);

  constructor(
    private readonly options: {
      readonly journal: Journal;
      readonly sinks: AuditConfig['sinks'];
      readonly metrics: DeliveryMetrics;
      readonly logger: Logger;
      /** Sockets per sink: the delivery concurrency of its queue. */
      readonly maxSockets: number;
      readonly userAgent: string;
    },
  ) {}

  /** Delivers, counts and logs; rethrows the DeliveryFailure so that the queue retries (or gives up). */
  run(job: DeliveryJob, attempt: Attempt): Promise<void> {
    // A child of the commit that made the entry (the view's trace), when the job carries its traceparent.
    return inSpan(
      `${SPAN.delivery} ${job.sink}`,
      {
        'hie.delivery.sink': job.sink,
        'hie.delivery.entry_id': job.entryId,
        'hie.delivery.attempt': attempt.number,
        'hie.delivery.attempts': attempt.of,
      },
      async (span) => {
        try {
          await this.attempt(job, attempt);
        } catch (error) {
          if (error instanceof DeliveryFailure) span.setAttribute('hie.delivery.reason', error.reason);
          throw error;
        }
      },
      { kind: SpanKind.CONSUMER, parent: contextOf(job.traceparent) },
    );
  }

  private async attempt(job: DeliveryJob, attempt: Attempt): Promise<void> {
    try {
      await this.deliver(job);
      this.options.metrics.delivered.inc({ sink: job.sink });
    } catch (error) {
      const failure =
        error instanceof DeliveryFailure
          ? error
          : new DeliveryFailure('The delivery failed unexpectedly', { reason: 'unexpected', cause: error });
      this.options.metrics.recordFailure(job.sink, failure.reason);
      this.logFailure(job, attempt, failure);
      throw failure;
    }
  }

  /**
   * One line per sink and kind of failure a minute (with how many were not logged): a sink that is down
   * fails every job. A refusal by the sink is an error, for someone to fix its configuration; the rest
   * are its passing trouble, retried.
   */
  private logFailure(job: DeliveryJob, attempt: Attempt, failure: DeliveryFailure): void {
    const final = !failure.retryable || attempt.number >= attempt.of;
    const passed = this.throttle.pass(`${job.sink}|${failure.reason}|${failure.status ?? ''}|${final}`);
    if (!passed) return;
    const fields = {
      err: failure,
      sink: job.sink,
      entryId: job.entryId,
      reason: failure.reason,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      attempt: attempt.number,
      attempts: attempt.of,
      ...(passed.suppressed ? { suppressed: passed.suppressed } : {}),
    };
    if (failure.sinkConfiguration)
      this.options.logger.error(fields, 'audit sink refused a delivery: check the sink configuration');
    else if (!failure.retryable) this.options.logger.error(fields, 'audit delivery job dropped');
    else if (final)
      this.options.logger.warn(
        fields,
        'audit delivery attempts used up: the next outbox sweep enqueues it again',
      );
    else this.options.logger.warn(fields, 'audit delivery failed; retrying with backoff');
  }

  private async deliver(job: DeliveryJob): Promise<void> {
    const sink = this.options.sinks[job.sink];
    if (!sink)
      throw new DeliveryFailure('The job names a sink that is not configured', {
        reason: 'not-found',
        retryable: false,
      });
    let entry: JournalEntry | undefined;
    try {
      entry = await this.options.journal.get(job.entryId);
    } catch (cause) {
      throw new DeliveryFailure('The journal could not be read', { reason: 'journal', cause });
    }
    // Another deployment sharing the Redis prefix, or a journal that was replaced: nothing to send.
    if (!entry)
      throw new DeliveryFailure('The entry is not in the journal', { reason: 'not-found', retryable: false });
    if (!SINK_ROUTES[job.sink].streams.includes(entry.stream))
      throw new DeliveryFailure('The entry is not of a stream this sink receives', {
        reason: 'wrong-stream',
        retryable: false,
      });

    await this.client(job.sink).send(this.request(job.sink, sink, entry));
    try {
      await this.options.journal.markDelivered(entry.id, job.sink);
    } catch (cause) {
      throw new DeliveryFailure('The delivery could not be recorded in the journal', {
        reason: 'journal',
        cause,
      });
    }
  }

  private request(name: SinkName, sink: SinkConfig, entry: JournalEntry): SinkRequest {
    const headers: Record<string, string> = {};
    if (sink.token) {
      try {
        // Read at each delivery, so that a rotated token (a re-mounted secret file) is picked up.
        headers.Authorization = `Bearer ${readSecret(sink.token)}`;
      } catch (cause) {
        throw new DeliveryFailure('The sink token cannot be read', {
          reason: 'token',
          sinkConfiguration: true,
          cause,
        });
      }
    }
    if (name === 'fhir') {
      // PUT by id: the FHIR server stores one AuditEvent however often it is sent.
      return {
        method: 'PUT',
        url: `${sink.url}/AuditEvent/${encodeURIComponent(entry.id)}`,
        contentType: 'application/fhir+json',
        body: entry.body,
        headers: { ...headers, Accept: 'application/fhir+json' },
        timeoutMs: sink.timeoutMs,
      };
    }
    return {
      method: 'POST',
      url: sink.url,
      contentType: 'application/json',
      body: entry.body,
      headers: { ...headers, 'Idempotency-Key': entry.id },
      timeoutMs: sink.timeoutMs,
    };
  }

  private client(sink: SinkName): SinkClient {
    let client = this.clients.get(sink);
    if (!client) {
      client = new SinkClient({ maxSockets: this.options.maxSockets, userAgent: this.options.userAgent });
      this.clients.set(sink, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
