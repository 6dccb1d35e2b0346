import { randomUUID } from 'node:crypto';
import type { PatientQuery, Requester, SourceOutcome, TraceContext } from '../../adapters/contract';
import type { Federation } from '../federation/federation';
import type { RecordResourceType } from '../fhir/resource-types';
import { mergeView, type MergedView } from '../merge/merge-view';
import type { BrokerIdentity } from '../merge/source-provenance';

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

export interface PatientView extends MergedView {
  readonly queryId: string;
  readonly outcomes: readonly SourceOutcome[];
  readonly availability: ViewAvailability;
}

export interface PatientViewServiceOptions {
  readonly federation: Federation;
  readonly broker: BrokerIdentity;
  readonly deadlineMs: number;
}

/** The transport-agnostic core of a patient view: fan out, then merge. */
export class PatientViewService {
  constructor(private readonly options: PatientViewServiceOptions) {}

  async view(request: ViewRequest): Promise<PatientView> {
    const queryId = randomUUID();
    const query: PatientQuery = {
      queryId,
      nhsNumber: request.nhsNumber,
      resourceTypes: request.resourceTypes,
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
    return { ...merged, queryId, outcomes, availability: availability(merged, outcomes) };
  }
}

function availability(merged: MergedView, outcomes: readonly SourceOutcome[]): ViewAvailability {
  if (merged.patient) return 'found';
  const failed = outcomes.some(
    (o) => o.status === 'timeout' || o.status === 'error' || o.status === 'rejected',
  );
  return failed ? 'unavailable' : 'not-found';
}
