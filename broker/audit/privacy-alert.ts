/**
 * Privacy-officer alerts: accesses a person should look at after the event. Written to the journal
 * with the AuditEvent they are about (one commit), relayed to the alerts webhook, listed and
 * acknowledged (with a note) by the privacy officers.
 */
export const ALERT_KINDS = [
  'self-claimed',
  'emergency',
  'objection-overridden',
  'safety-incident',
  'objection-recorded',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_STATUSES = ['open', 'acknowledged'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface PrivacyAlert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly raised: string;
  /** The AuditEvent of the access the alert is about. */
  readonly auditEventId: string;
  /** The patient's NHS number: alerts go to privacy officers, never to logs or job payloads. */
  readonly patient: string;
  readonly user: {
    readonly id: string;
    readonly name?: string;
    readonly role: string;
    readonly organisation: string;
  };
  /** The reason the user gave (self-claimed, emergency), or what the broker withheld (safety incident). */
  readonly reason?: string;
  readonly summary: string;
}

/** An acknowledgement, appended (never an edit of the alert). */
export interface AlertAcknowledgement {
  readonly alertId: string;
  readonly by: { readonly id: string; readonly name?: string; readonly organisation: string };
  readonly at: string;
  readonly note: string;
}

/** What the privacy officers' list shows: the alert and, once acknowledged, by whom, when and why. */
export interface AlertListItem extends PrivacyAlert {
  readonly status: AlertStatus;
  readonly acknowledgement?: AlertAcknowledgement;
}

export const ALERT_SUMMARY: Readonly<Record<AlertKind, string>> = {
  'self-claimed': 'A record was opened on a self-claimed relationship.',
  emergency: 'A record was opened with emergency (break-glass) access.',
  'objection-overridden': "A patient's objection to sharing was overridden by emergency access.",
  'safety-incident': "Items were withheld from a view because they did not match the view's patient.",
  'objection-recorded': "A clinician recorded a patient's objection to sharing: confirm it with the patient.",
};
