import { randomUUID } from 'node:crypto';
import type { PatientQuery, Requester, SourceOutcome, TraceContext } from '../../adapters/contract';
import type { Federation } from '../federation/federation';
import type { RecordResourceType } from '../fhir/resource-types';
import { mergeView, type MergedView } from '../merge/merge-view';
import type { BrokerIdentity } from '../merge/source-provenance';
import type { AccessPolicy } from '../governance/access-policy';
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
  constructor(private readonly options: PatientViewServiceOptions) {}

  async view(request: ViewRequest): Promise<PatientView> {
    const queryId = randomUUID();
    const query: PatientQuery = {
      queryId,
      nhsNumber: request.nhsNumber,
      resourceTypes: this.options.policy.decide(request.requester, request.resourceTypes),
      ...(request.since ? { since: request.since } : {}),
      requester: request.requester,
      deadline: Date.now() + this.options.deadlineMs,
      chain: request.chain ?? [],
    };
    const outcomes = await this.options.federation.query(query, request.trace);
    const merged = mergeView({
      viewId: queryId,
      nhsNumber: request.nhsNumber,
      sources: this.options.federation.adapters.map((adapter) => adapter.source),
      outcomes,
      broker: this.options.broker,
      ...(request.since ? { since: request.since } : {}),
      now: new Date(),
    });
    const view: PatientView = { ...merged, queryId, availability: availability(merged, merged.outcomes) };
    this.record(view, request.trace);
    return view;
  }

  /**
   * Metrics for every view (source outcomes as the view reports them), and a safety incident line (no
   * PHI) for anything withheld: another patient's items, or a source whose patient's demographics disagree.
   */
  private record(view: PatientView, trace: TraceContext): void {
    const { metrics, logger } = this.options;
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
