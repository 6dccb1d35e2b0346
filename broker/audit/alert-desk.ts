import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import { randomUUID } from 'node:crypto';
import type { AuditRequest } from './audit-event';
import type { AuditTrail } from './audit-trail';
import type { AlertAcknowledgement, AlertListItem, PrivacyAlert } from './privacy-alert';

/** An acknowledgement the desk refuses: the alert is unknown, already acknowledged, or the note unusable. */
export class AlertRefused extends OutcomeError {
  constructor(kind: 'invalid' | 'not-found' | 'conflict', text: string) {
    super(kind, outcomeOf(kind, text));
    this.name = 'AlertRefused';
  }
}

/** 1 to 2,000 characters; line breaks allowed, other control characters not. */
function isReadableNote(note: string): boolean {
  if (note.trim().length === 0 || note.length > 2000) return false;
  for (let i = 0; i < note.length; i++) {
    const code = note.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return false;
  }
  return true;
}

/**
 * The privacy officers' desk: alerts as raised, each with its acknowledgement once someone has
 * looked into it. An acknowledgement is appended to the journal with its own AuditEvent; the alert
 * itself never changes.
 */
export class AlertDesk {
  constructor(private readonly trail: AuditTrail) {}

  async list(filter: {
    status: 'open' | 'acknowledged' | 'all';
    from?: string;
    to?: string;
    limit: number;
  }): Promise<AlertListItem[]> {
    const alerts = await this.trail.journal.query({
      stream: 'alert',
      order: 'newest-first',
      limit: filter.limit,
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
    });
    const items = await Promise.all(
      alerts.map(async (entry): Promise<AlertListItem> => {
        const acknowledgement = await this.acknowledgementOf(entry.id);
        const alert = entry.body as PrivacyAlert;
        return acknowledgement
          ? { ...alert, status: 'acknowledged', acknowledgement }
          : { ...alert, status: 'open' };
      }),
    );
    return filter.status === 'all' ? items : items.filter((item) => item.status === filter.status);
  }

  async acknowledge(id: string, note: unknown, request: AuditRequest): Promise<AlertListItem> {
    if (typeof note !== 'string' || !isReadableNote(note)) {
      throw new AlertRefused(
        'invalid',
        'Say what was found: send {"note": "..."} with 1 to 2,000 characters.',
      );
    }
    const entry = await this.trail.journal.get(id);
    if (!entry || entry.stream !== 'alert')
      throw new AlertRefused('not-found', 'There is no alert with this id.');
    const alert = entry.body as PrivacyAlert;
    const existing = await this.acknowledgementOf(id);
    if (existing) {
      throw new AlertRefused(
        'conflict',
        `This alert was acknowledged at ${existing.at}; it cannot be acknowledged twice.`,
      );
    }
    const { requester } = request;
    const acknowledgement: AlertAcknowledgement = {
      alertId: id,
      by: {
        id: requester.userId,
        ...(requester.name ? { name: requester.name } : {}),
        organisation: requester.organisationOds,
      },
      at: new Date().toISOString(),
      note,
    };
    await this.trail.commit({
      request,
      action: 'alert-acknowledge',
      outcome: '0',
      patient: alert.patient,
      about: { reference: `urn:uuid:${id}`, display: `privacy-officer alert (${alert.kind})` },
      entries: [
        {
          id: randomUUID(),
          stream: 'alert-ack',
          keys: { ref: id, user: requester.userId, patient: alert.patient, action: 'alert-acknowledge' },
          body: acknowledgement,
        },
      ],
    });
    return { ...alert, status: 'acknowledged', acknowledgement };
  }

  private async acknowledgementOf(alertId: string): Promise<AlertAcknowledgement | undefined> {
    const [ack] = await this.trail.journal.query({
      stream: 'alert-ack',
      ref: alertId,
      order: 'oldest-first',
      limit: 1,
    });
    return ack ? (ack.body as AlertAcknowledgement) : undefined;
  }
}
