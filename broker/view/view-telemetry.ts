import type { Attributes } from '@opentelemetry/api';
import type { Requester } from '../../core/requester';
import type { AlertKind } from '../audit/privacy-alert';
import type { MergedView } from '../merge/merge-view';
import type { Logger } from '../observability/logger';
import type { BrokerMetrics } from '../observability/metrics';
import type { PatientView, ViewRequest } from './patient-view';

/* What a view tells others besides its answer: metrics, log lines without PHI, span attributes, alerts. */

/**
 * Metrics for every view (source outcomes as the view reports them), and a safety incident line (no
 * PHI) for anything withheld: another patient's items, or a source whose patient's demographics disagree.
 */
export function recordView(
  view: PatientView,
  request: ViewRequest,
  telemetry: { metrics: BrokerMetrics; logger: Logger },
): void {
  const { metrics, logger } = telemetry;
  const { trace, requester } = request;
  metrics.access.inc({ basis: view.access.basis, outcome: 'granted' });
  if (view.access.basis !== 'verified') {
    // Also in the audit trail, with a privacy-officer alert (and a security-alert AuditEvent for emergency access).
    logger.warn(
      {
        requestId: trace.requestId,
        queryId: view.queryId,
        basis: view.access.basis,
        userId: requester.userId,
        role: requester.role,
        org: requester.organisationOds,
        ...(view.access.assertedBy ? { assertedBy: view.access.assertedBy } : {}),
      },
      view.access.basis === 'emergency' ? 'emergency access' : 'self-claimed relationship',
    );
  }
  metrics.views.inc({ availability: view.availability });
  metrics.recordOutcomes(view.outcomes);
  for (const incident of view.incidents) {
    metrics.safetyIncidents.inc({ source: incident.sourceId, kind: incident.kind });
    logger.warn(
      {
        requestId: trace.requestId,
        queryId: view.queryId,
        sourceId: incident.sourceId,
        kind: incident.kind,
        count: incident.count,
      },
      'safety incident',
    );
  }
}

/** Privacy-officer alerts for an access a person should look at. */
export function alertsFor(
  view: PatientView,
  requester: Requester,
  objectionOverridden: boolean,
): { kind: AlertKind; reason?: string }[] {
  const alerts: { kind: AlertKind; reason?: string }[] = [];
  const reason = requester.relationship?.reason;
  if (view.access.basis !== 'verified') {
    alerts.push({ kind: view.access.basis, ...(reason ? { reason } : {}) });
  }
  if (objectionOverridden) alerts.push({ kind: 'objection-overridden', ...(reason ? { reason } : {}) });
  for (const incident of view.incidents) {
    alerts.push({
      kind: 'safety-incident',
      reason: `${incident.kind} at source ${incident.sourceId}: ${incident.count} item(s) withheld`,
    });
  }
  return alerts;
}

/** The view's span, at its end: what was found and released, in counts. */
export function viewAttributes(view: PatientView): Attributes {
  const notOk = view.outcomes.filter((o) => o.status !== 'ok' && o.status !== 'no-match').length;
  return {
    'hie.view.query_id': view.queryId,
    'hie.view.availability': view.availability,
    'hie.access.basis': view.access.basis,
    'hie.view.sources': view.outcomes.length,
    'hie.view.sources_not_ok': notOk,
    'hie.view.returned': view.counts.shown + view.counts.grouped,
    'hie.view.withheld': view.counts.received - view.counts.shown - view.counts.grouped,
  };
}

/** The merge's span: what came in and what became of it. */
export function mergeAttributes(merged: MergedView): Attributes {
  const { counts } = merged;
  return {
    'hie.merge.received': counts.received,
    'hie.merge.shown': counts.shown,
    'hie.merge.grouped': counts.grouped,
    'hie.merge.other_patient': counts.otherPatient,
    'hie.merge.withheld_sensitive': counts.withheldSensitive,
    'hie.merge.before_since': counts.beforeSince,
    'hie.merge.excluded_source': counts.excludedSource,
    'hie.merge.included': merged.included.length,
    'hie.merge.incidents': merged.incidents.length,
    'hie.merge.disagreements': merged.disagreements.length,
  };
}

/** The kind of evidence a relationship rests on (e.g. `registered-practice`), without what follows a colon. */
export function evidenceKind(evidence: string): string {
  return evidence.split(':')[0]!.slice(0, 64);
}
