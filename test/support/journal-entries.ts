import { randomUUID } from 'node:crypto';
import type { NewJournalEntry } from '../../broker/audit/journal/journal';
import { ALERT_SUMMARY, type PrivacyAlert } from '../../broker/audit/privacy-alert';

/** An NHS number that must never turn up in a job payload, a log line or a metric. */
export const WATCHED_NHS_NUMBER = '9000000009';

/** A committed access as the audit trail writes it: a FHIR AuditEvent naming the patient and the user. */
export function auditEntry(): NewJournalEntry {
  const id = randomUUID();
  const recorded = new Date().toISOString();
  return {
    id,
    stream: 'audit',
    recorded,
    keys: {
      patient: WATCHED_NHS_NUMBER,
      user: 'user-1',
      organisation: 'A81001',
      action: 'patient-view',
      outcome: '0',
    },
    body: {
      resourceType: 'AuditEvent',
      id,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      action: 'E',
      recorded,
      outcome: '0',
      agent: [{ who: { display: 'Dr Jane Example' }, requestor: true }],
      source: { observer: { display: 'hie-broker' } },
      entity: [
        { what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: WATCHED_NHS_NUMBER } } },
      ],
    },
  };
}

/** A privacy-officer alert (a PrivacyAlert), as the audit trail writes it. */
export function alertEntry(): NewJournalEntry<PrivacyAlert> {
  const id = randomUUID();
  const raised = new Date().toISOString();
  return {
    id,
    stream: 'alert',
    recorded: raised,
    keys: { patient: WATCHED_NHS_NUMBER, user: 'user-1', organisation: 'A81001', action: 'emergency' },
    body: {
      id,
      kind: 'emergency',
      raised,
      auditEventId: randomUUID(),
      patient: WATCHED_NHS_NUMBER,
      user: { id: 'user-1', name: 'Dr Jane Example', role: 'R8000', organisation: 'A81001' },
      reason: 'Unconscious in ED',
      summary: ALERT_SUMMARY.emergency,
    },
  };
}

/** An entry no sink receives. */
export function consentEntry(): NewJournalEntry {
  const id = randomUUID();
  return {
    id,
    stream: 'consent',
    recorded: new Date().toISOString(),
    keys: { patient: WATCHED_NHS_NUMBER, action: 'consent-create', ref: randomUUID() },
    body: { resourceType: 'Consent', id, status: 'active' },
  };
}
