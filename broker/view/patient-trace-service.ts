import type { Patient } from '@medplum/fhirtypes';
import type { TraceContext } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import type { PdsSearch } from '../../adapters/pds/pds-search';
import type { AuditRequest } from '../audit/audit-event';
import { AuditUnavailable, type AuditTrail } from '../audit/audit-trail';
import type { AlertKind } from '../audit/privacy-alert';
import type { AccessPolicy } from '../governance/access-policy';
import { AccessDenied } from '../governance/access-denied';
import { requireReason } from '../governance/relationship';
import { authorityRestricts } from '../merge/demographics/identity-reference';
import type { RateLimits } from '../http/hardening/rate-limits';
import type { Logger } from '../observability/logger';
import type { IdentityAuthority } from './identity-authority';

/** The demographics a trace is made with (the FHIR search parameters, already checked for form). */
export type TraceInputs = Omit<PdsSearch, 'maxResults' | 'fuzzy' | 'exact'>;

export interface TraceRequest {
  readonly inputs: TraceInputs;
  readonly requester: Requester;
  readonly trace: TraceContext;
  readonly audit: Omit<AuditRequest, 'requester' | 'chain'>;
}

export type TraceResult =
  | { readonly status: 'found'; readonly patient: Patient; readonly score: number }
  | { readonly status: 'no-unique-match' };

export interface PatientTraceServiceOptions {
  readonly authority: IdentityAuthority;
  readonly policy: AccessPolicy;
  readonly trail: AuditTrail;
  /** The trace's own budgets, tighter than views'. */
  readonly limits: RateLimits;
  readonly logger: Logger;
  /** How long a trace waits for PDS. */
  readonly timeoutMs: number;
}

const CLINICAL_TYPES = ['Condition', 'MedicationStatement', 'AllergyIntolerance'] as const;

const ROLE_TEXT =
  'Tracing a patient by demographics is for clinical roles (those that may see the clinical record); your role may not. Search by NHS number instead.';
const PEER_TEXT =
  "Tracing a patient by demographics is for this broker's own users: a neighbouring broker traces through its own demographics service.";
const RESTRICTED_TEXT =
  'The one match is a restricted patient: a trace finds them only with emergency access. If this is an emergency, send X-Hie-Relationship: emergency with X-Hie-Access-Reason saying why; it is audited and reviewed.';

/**
 * Finding a patient without their NHS number: through the national demographics service only (never
 * a fan-out of demographic searches to the sources), answering a patient only on one match at or
 * above the configured score. Every trace is audited as an access (its inputs are in the audit's
 * query entity, base64, never in logs) before anything is returned.
 */
export class PatientTraceService {
  constructor(private readonly options: PatientTraceServiceOptions) {}

  async trace(request: TraceRequest): Promise<TraceResult> {
    const { requester } = request;
    const audit: AuditRequest = { ...request.audit, requester };
    // Before the PDS call and before any audit: a throttled trace asks nothing and releases nothing.
    await this.spend(requester);
    let result: TraceResult;
    // The patient a refusal was about, when the trace found one (a restricted patient without emergency access).
    let refusedPatient: string | undefined;
    try {
      this.authorise(requester);
      result = await this.search(request);
      if (
        result.status === 'found' &&
        authorityRestricts({ status: 'confirmed', authority: '', patient: result.patient }) &&
        requester.relationship?.basis !== 'emergency'
      ) {
        refusedPatient = result.patient.id;
        throw new AccessDenied('trace-restricted', RESTRICTED_TEXT);
      }
    } catch (error) {
      if (error instanceof AuditUnavailable) throw error;
      await this.options.trail.commit({
        request: audit,
        action: 'patient-trace',
        outcome: error instanceof AccessDenied ? '4' : '8',
        outcomeDesc:
          error instanceof OutcomeError
            ? (error.outcome.issue[0]?.details?.text ?? 'The trace was refused.')
            : 'The trace failed inside the broker; nothing was released.',
        ...(refusedPatient ? { patient: refusedPatient } : {}),
      });
      throw error;
    }
    const found = result.status === 'found' ? result.patient.id : undefined;
    const emergency = requester.relationship?.basis === 'emergency';
    const alerts: { kind: AlertKind; reason?: string }[] =
      found && requester.relationship && requester.relationship.basis !== 'verified'
        ? [
            {
              kind: requester.relationship.basis,
              ...(requester.relationship.reason ? { reason: requester.relationship.reason } : {}),
            },
          ]
        : [];
    // Committed before anything leaves the broker; if it cannot be, nothing is returned.
    await this.options.trail.commit({
      request: audit,
      action: 'patient-trace',
      outcome: '0',
      outcomeDesc: found ? 'One patient matched.' : 'No unique match: nothing was returned.',
      ...(found ? { patient: found } : {}),
      emergency: Boolean(found) && emergency,
      alerts,
    });
    this.options.logger.info(
      { requestId: request.trace.requestId, outcome: result.status, role: requester.role },
      'patient trace',
    );
    return result;
  }

  private async spend(requester: Requester): Promise<void> {
    const decision = await this.options.limits.consume(requester);
    if (!decision.allowed) {
      throw new OutcomeError(
        'throttled',
        outcomeOf(
          'throttled',
          decision.scope === 'user'
            ? 'You have traced more patients than this broker allows in a short time. Wait before tracing again, or search by NHS number.'
            : 'Your organisation has traced more patients than this broker allows in a short time. Wait before tracing again.',
        ),
        { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
      );
    }
  }

  /** A clinical role, direct care, and this broker's own user; a stated relationship needs a reason. */
  private authorise(requester: Requester): void {
    if (requester.relationship?.assertedBy !== undefined) throw new AccessDenied('trace-peer', PEER_TEXT);
    requireReason(requester);
    this.options.policy.decide(requester, []);
    // A clinical role sees the clinical record: problems, medications and allergies, not one of them alone.
    let permitted: readonly string[];
    try {
      permitted = this.options.policy.decide(requester, CLINICAL_TYPES);
    } catch (error) {
      if (error instanceof AccessDenied) throw new AccessDenied('trace-role', ROLE_TEXT);
      throw error;
    }
    if (permitted.length < CLINICAL_TYPES.length) throw new AccessDenied('trace-role', ROLE_TEXT);
  }

  private async search(request: TraceRequest): Promise<TraceResult> {
    const { authority } = this.options;
    const outcome = await authority.trace(request.inputs, request.trace, Date.now() + this.options.timeoutMs);
    switch (outcome.status) {
      case 'too-many':
        return { status: 'no-unique-match' };
      case 'ok': {
        const [only, ...others] = outcome.matches;
        if (!only || others.length > 0 || only.score < authority.options.minScore)
          return { status: 'no-unique-match' };
        return { status: 'found', patient: only.patient, score: only.score };
      }
      default:
        throw new OutcomeError(
          'unavailable',
          outcomeOf(
            'unavailable',
            `The ${authority.name} could not be asked (it ${outcome.status === 'timeout' ? 'did not answer in time' : outcome.issue.text}): trace again shortly, or search by NHS number.`,
          ),
        );
    }
  }
}
