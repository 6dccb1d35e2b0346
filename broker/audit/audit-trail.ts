import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Logger } from '../observability/logger';
import type { BrokerMetrics } from '../observability/metrics';
import type { EntryTraces } from '../observability/entry-traces';
import { activeTraceparent, inSpan, SPAN } from '../observability/spans';
import { auditEvent, emergencyOverrideEvent, type AuditBroker, type AuditEventInput } from './audit-event';
import type { Journal, JournalKeys, NewJournalEntry } from './journal/journal';
import { ALERT_SUMMARY, type AlertKind, type PrivacyAlert } from './privacy-alert';

/** The access could not be recorded: the request fails closed (503) and nothing is released. */
export class AuditUnavailable extends OutcomeError {
  constructor(options?: { cause?: unknown }) {
    super(
      'unavailable',
      outcomeOf(
        'unavailable',
        'The access could not be recorded in the audit trail, so nothing is shown. Try again in a minute; if it persists, tell the service desk.',
      ),
      options,
    );
    this.name = 'AuditUnavailable';
  }
}

/** One request's audit: its AuditEvent, and what goes into the same commit with it. */
export interface AuditSpec extends Omit<AuditEventInput, 'id' | 'recorded' | 'broker'> {
  /** Privacy-officer alerts raised by this access (they need the patient). */
  readonly alerts?: readonly { readonly kind: AlertKind; readonly reason?: string }[];
  /** Emergency (break-glass) access: also a DICOM security-alert AuditEvent. */
  readonly emergency?: boolean;
  /** Other journal entries that stand or fall with this AuditEvent (e.g. a Consent version). */
  readonly entries?: readonly Omit<NewJournalEntry, 'recorded'>[];
}

export interface CommittedAudit {
  readonly eventId: string;
  readonly event: AuditEvent;
}

/**
 * Records accesses in the journal before anything is released: every AuditEvent, with its alerts
 * and any governance change it describes, is one atomic append. If the journal cannot take it, the
 * caller gets AuditUnavailable and must answer 503 without data.
 */
export class AuditTrail {
  constructor(
    private readonly options: {
      readonly journal: Journal;
      readonly broker: AuditBroker;
      readonly logger: Logger;
      /** Called after each commit (e.g. to wake the outbox relay). */
      readonly onCommitted?: () => void;
      readonly metrics?: Pick<BrokerMetrics, 'auditCommits' | 'auditCommitDuration'>;
      /** Where each committed entry's trace is noted, for its delivery jobs. */
      readonly traces?: EntryTraces;
    },
  ) {}

  get journal(): Journal {
    return this.options.journal;
  }

  async commit(spec: AuditSpec): Promise<CommittedAudit> {
    const { broker } = this.options;
    const recorded = new Date().toISOString();
    const eventId = randomUUID();
    const { alerts = [], emergency = false, entries = [], ...input } = spec;
    const event = auditEvent({ ...input, id: eventId, recorded, broker });
    const { requester } = spec.request;
    // A token may lack a role or organisation (then refused): absent keys, never empty ones.
    const actor: JournalKeys = {
      user: requester.userId,
      ...(requester.organisationOds ? { organisation: requester.organisationOds } : {}),
      ...(requester.role ? { role: requester.role } : {}),
      ...(spec.patient ? { patient: spec.patient } : {}),
    };
    const journalEntries: NewJournalEntry[] = entries.map((entry) => ({ ...entry, recorded }));
    journalEntries.push({
      id: eventId,
      stream: 'audit',
      recorded,
      keys: {
        ...actor,
        action: spec.action,
        outcome: spec.outcome,
        ...(spec.view
          ? {
              sources: spec.view.sources.filter((s) => s.outcome.status === 'ok').map((s) => s.source.id),
              ref: spec.view.queryId,
            }
          : {}),
      },
      body: event,
    });
    if (emergency && spec.patient) {
      const id = randomUUID();
      journalEntries.push({
        id,
        stream: 'audit',
        recorded,
        keys: { ...actor, action: 'emergency-access', outcome: '0', ref: eventId },
        body: emergencyOverrideEvent({
          id,
          recorded,
          request: spec.request,
          broker,
          patient: spec.patient,
          viewEventId: eventId,
          ...(requester.relationship?.reason ? { reason: requester.relationship.reason } : {}),
        }),
      });
    }
    if (spec.patient) {
      for (const alert of alerts) {
        const id = randomUUID();
        const body: PrivacyAlert = {
          id,
          kind: alert.kind,
          raised: recorded,
          auditEventId: eventId,
          patient: spec.patient,
          user: {
            id: requester.userId,
            ...(requester.name ? { name: requester.name } : {}),
            role: requester.role,
            organisation: requester.organisationOds,
          },
          ...(alert.reason ? { reason: alert.reason } : {}),
          summary: ALERT_SUMMARY[alert.kind],
        };
        journalEntries.push({
          id,
          stream: 'alert',
          recorded,
          keys: { ...actor, action: alert.kind, ref: eventId },
          body,
        });
      }
    }
    const { metrics, traces } = this.options;
    const started = performance.now();
    try {
      await inSpan(
        SPAN.auditCommit,
        {
          'hie.audit.action': spec.action,
          'hie.audit.outcome': spec.outcome,
          'hie.audit.entries': journalEntries.length,
        },
        async () => {
          await this.options.journal.append(journalEntries);
          const traceparent = traces && activeTraceparent();
          if (traceparent)
            traces.remember(
              journalEntries.map((entry) => entry.id),
              traceparent,
            );
        },
      );
      metrics?.auditCommits.inc({ outcome: 'committed' });
      metrics?.auditCommitDuration.observe((performance.now() - started) / 1000);
    } catch (error) {
      metrics?.auditCommits.inc({ outcome: 'failed' });
      // No PHI: the journal's own error names the store, never the entry.
      this.options.logger.error(
        { err: error, requestId: spec.request.requestId, action: spec.action },
        'audit commit failed: the request is refused',
      );
      throw new AuditUnavailable({ cause: error });
    }
    this.options.onCommitted?.();
    return { eventId, event };
  }
}
