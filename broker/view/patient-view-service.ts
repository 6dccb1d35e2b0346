import { randomUUID } from 'node:crypto';
import type { PatientQuery, Requester, SourceOutcome, TraceContext } from '../../adapters/contract';
import type { Federation } from '../federation/federation';
import type { RecordResourceType } from '../fhir/resource-types';
import { mergeView, type MergedView } from '../merge/merge-view';
import type { BrokerIdentity } from '../merge/source-provenance';
import type { AccessPolicy } from '../governance/access-policy';
import { AccessDenied } from '../governance/access-denied';
import { decideRelationship, requireReason, type RelationshipDecision } from '../governance/relationship';
import type { BrokerMetrics } from '../observability/metrics';
import type { Logger } from '../observability/logger';

export interface ViewRequest {
  readonly nhsNumber: string;
  readonly resourceTypes: readonly RecordResourceType[];
  readonly since?: string;
  readonly requester: Requester;
  readonly trace: TraceContext;
  /** Brokers the request has already passed through (a peer's request); empty for a clinical system's. */
  readonly chain?: readonly string[];
}

/** Whether a view found the patient, found that nobody knows them, or could not tell. */
export type ViewAvailability = 'found' | 'not-found' | 'unavailable';

/** A merged view with its query id; `outcomes` (from MergedView) is what the view reports per source. */
export interface PatientView extends MergedView {
  readonly queryId: string;
  readonly availability: ViewAvailability;
  /** The legitimate relationship on which the view was released. */
  readonly access: RelationshipDecision;
}

export interface PatientViewServiceOptions {
  readonly federation: Federation;
  readonly broker: BrokerIdentity;
  readonly deadlineMs: number;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** What the requester's role and purpose let them see; refuses with AccessDenied before any source is asked. */
  readonly policy: AccessPolicy;
}

/** The transport-agnostic core of a patient view: fan out, then merge. */
export class PatientViewService {
  private readonly sourceOds: ReadonlyMap<string, string>;

  constructor(private readonly options: PatientViewServiceOptions) {
    this.sourceOds = new Map(options.federation.adapters.map((a) => [a.source.id, a.source.odsCode]));
  }

  async view(request: ViewRequest): Promise<PatientView> {
    const queryId = randomUUID();
    requireReason(request.requester);
    const query: PatientQuery = {
      queryId,
      nhsNumber: request.nhsNumber,
      resourceTypes: this.options.policy.decide(request.requester, request.resourceTypes),
      ...(request.since ? { since: request.since } : {}),
      requester: request.requester,
      deadline: Date.now() + this.options.deadlineMs,
      chain: request.chain ?? [],
    };
    const merged = this.merge(query, await this.options.federation.query(query, request.trace));
    // Checked before anything leaves the broker: without a relationship nothing is returned.
    // (A view that found nobody releases nothing: it answers 404 or 503 without a relationship.)
    let access: RelationshipDecision;
    try {
      access = merged.patient
        ? await this.relationship(request, query, merged)
        : { basis: request.requester.relationship?.basis ?? 'verified', evidence: 'nothing-released' };
    } catch (error) {
      this.options.metrics.access.inc({
        basis: request.requester.relationship?.basis ?? 'verified',
        outcome: 'denied',
      });
      throw error;
    }
    const view: PatientView = {
      ...merged,
      queryId,
      availability: availability(merged, merged.outcomes),
      access,
    };
    this.record(view, request);
    return view;
  }

  private merge(query: PatientQuery, outcomes: readonly SourceOutcome[]): MergedView {
    return mergeView({
      viewId: query.queryId,
      nhsNumber: query.nhsNumber,
      sources: this.options.federation.adapters.map((adapter) => adapter.source),
      outcomes,
      broker: this.options.broker,
      ...(query.since ? { since: query.since } : {}),
      now: new Date(),
    });
  }

  /**
   * The relationship, from the view itself; when a narrow view (one type, or a role that sees few)
   * holds no evidence, from the patient's demographics at every source: which of them know the
   * patient, and the registered practice. Nothing from that second look is released.
   */
  private async relationship(
    request: ViewRequest,
    query: PatientQuery,
    merged: MergedView,
  ): Promise<RelationshipDecision> {
    try {
      return decideRelationship(request.requester, merged, this.sourceOds);
    } catch (error) {
      if (
        !(error instanceof AccessDenied) ||
        error.reason !== 'no-relationship' ||
        query.resourceTypes.length === 0
      )
        throw error;
      const demographics = { ...query, resourceTypes: [] };
      const wider = this.merge(
        demographics,
        await this.options.federation.query(demographics, request.trace),
      );
      return decideRelationship(request.requester, wider, this.sourceOds);
    }
  }

  /**
   * Metrics for every view (source outcomes as the view reports them), and a safety incident line (no
   * PHI) for anything withheld: another patient's items, or a source whose patient's demographics disagree.
   */
  private record(view: PatientView, request: ViewRequest): void {
    const { metrics, logger } = this.options;
    const { trace, requester } = request;
    metrics.access.inc({ basis: view.access.basis, outcome: 'granted' });
    if (view.access.basis !== 'verified' && !view.access.assertedBy) {
      // A security event for emergency access, a privacy-officer matter for a self-claimed one (audit and alerts: issue 6).
      logger.warn(
        {
          requestId: trace.requestId,
          queryId: view.queryId,
          basis: view.access.basis,
          userId: requester.userId,
          role: requester.role,
          org: requester.organisationOds,
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
}

function availability(merged: MergedView, outcomes: readonly SourceOutcome[]): ViewAvailability {
  if (merged.patient) return 'found';
  const failed = outcomes.some(
    (o) => o.status === 'timeout' || o.status === 'error' || o.status === 'rejected',
  );
  return failed ? 'unavailable' : 'not-found';
}
