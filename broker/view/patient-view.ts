import type { TraceContext } from '../../core/source-contract';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import type { RelationshipDecision, Requester } from '../../core/requester';
import type { AuditRequest } from '../audit/audit-event';
import type { MergedView } from '../merge/merge-view';

/* What a view is asked and what it answers: the view service's vocabulary (patient-view-service.ts). */

export interface ViewRequest {
  readonly nhsNumber: string;
  /** What the audit records about the request besides the requester: see AuditRequest. */
  readonly audit: Omit<AuditRequest, 'requester' | 'chain'>;
  readonly resourceTypes: readonly RecordResourceType[];
  readonly since?: string;
  readonly requester: Requester;
  readonly trace: TraceContext;
  /** Brokers the request has already passed through (a peer's request); empty for a clinical system's. */
  readonly chain?: readonly string[];
  /** Ask only these sources (an instance read asks only the source its id names). */
  readonly onlySources?: readonly string[];
  /**
   * What of the view the request releases, when less than all of it (a filtered search, a read by id):
   * called before the access is committed, so that the audit counts what is returned.
   */
  readonly release?: (view: PatientView) => { readonly returned: number };
}

/** Whether a view found the patient, found that nobody knows them, or could not tell. */
export const VIEW_AVAILABILITIES = ['found', 'not-found', 'unavailable'] as const;
export type ViewAvailability = (typeof VIEW_AVAILABILITIES)[number];

/** A merged view with its query id; `outcomes` (from MergedView) is what the view reports per source. */
export interface PatientView extends MergedView {
  readonly queryId: string;
  readonly availability: ViewAvailability;
  /** The legitimate relationship on which the view was released. */
  readonly access: RelationshipDecision;
  /** When the NHS number asked for was superseded: the current one, under which the record was opened. */
  readonly currentNhsNumber?: string;
}
