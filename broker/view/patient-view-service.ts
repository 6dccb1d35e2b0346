import { randomUUID } from 'node:crypto';
import type { PatientQuery, SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import type { Federation } from '../federation/federation';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { EarlyContributions, type ContributionSetup } from '../merge/early-contributions';
import { mergeView, type MergedView } from '../merge/merge-view';
import type { BrokerIdentity } from '../merge/source-provenance';
import type { AccessPolicy } from '../governance/access-policy';
import { AccessDenied } from '../governance/access-denied';
import { decideRelationship, requireReason, type RelationshipContext } from '../governance/relationship';
import type { OrganisationDirectory } from '../governance/organisation-directory';
import { type RelationshipDecision } from '../../core/requester';
import type { SensitiveDataConfig, VouchedForPolicy } from '../../config/schema';
import type { AuditRequest } from '../audit/audit-event';
import { AuditUnavailable, type AuditTrail } from '../audit/audit-trail';
import { alertsFor, evidenceKind, mergeAttributes, recordView, viewAttributes } from './view-telemetry';
import type { PatientView, ViewAvailability, ViewRequest } from './patient-view';
import type { ObjectionCheck, ObjectionRegister } from '../governance/objection-register';
import type { BrokerMetrics } from '../observability/metrics';
import type { Logger } from '../observability/logger';
import { requesterFitsPatient } from '../../core/trust/requester-assertion';

const ANOTHER_PATIENT =
  'This X-Hie-Requester assertion was made for another patient: the calling broker must sign one for each patient it asks about.';

/** A neighbouring broker's assertion opens only the record of the patient it was made for. */
function requireAssertedPatient(requester: Requester, nhsNumber: string): void {
  if (!requesterFitsPatient(requester, nhsNumber))
    throw new AccessDenied('assertion-patient', ANOTHER_PATIENT);
}
import { inSpan, SPAN } from '../observability/spans';
import type { IdentityAuthority } from './identity-authority';
import type { IdentityReference } from '../merge/demographics/identity-reference';

export interface PatientViewServiceOptions {
  readonly federation: Federation;
  readonly broker: BrokerIdentity;
  readonly deadlineMs: number;
  /** Of the deadline, what is kept for assembling the answer after the sources are cut off. */
  readonly assemblyReserveMs: number;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** What the requester's role and purpose let them see; refuses with AccessDenied before any source is asked. */
  readonly policy: AccessPolicy;
  /** What is withheld as sensitive, and what is removed for a restricted patient. */
  readonly sensitiveData: SensitiveDataConfig;
  /** Every view, refusal and failure is committed here before anything is released. */
  readonly trail: AuditTrail;
  /** Patients' objections, checked before any source is asked. */
  readonly objections: ObjectionRegister;
  /** Whether emergency access may override an objection (each override is alerted). */
  readonly emergencyOverridesObjection: boolean;
  /** Sites and their trusts (configured `organisations`): for relationships and objections. */
  readonly organisations: OrganisationDirectory;
  /** Whether a peer's vouched-for relationship is accepted on its basis, or needs evidence found here. */
  readonly vouchedFor: VouchedForPolicy;
  /** The national demographics service, when configured: the reference for who the patient is. */
  readonly authority?: IdentityAuthority;
}

/** The transport-agnostic core of a patient view: fan out, then merge. */
export class PatientViewService {
  private readonly relationshipContext: RelationshipContext;

  constructor(private readonly options: PatientViewServiceOptions) {
    this.relationshipContext = {
      sourceOds: new Map(options.federation.adapters.map((a) => [a.source.id, a.source.odsCode])),
      organisations: options.organisations,
      vouchedFor: options.vouchedFor,
    };
  }

  /** The configured sources, in priority order. */
  get sources(): readonly SourceDescriptor[] {
    return this.options.federation.adapters.map((adapter) => adapter.source);
  }

  /**
   * The view, once its access is committed to the audit trail; or AccessDenied, or AuditUnavailable
   * when the access could not be recorded (then nothing is released). A refusal or a failure is
   * recorded too.
   */
  async view(request: ViewRequest): Promise<PatientView> {
    const { requester } = request;
    return inSpan(
      SPAN.view,
      {
        'hie.request_id': request.trace.requestId,
        'hie.requester.role': requester.role,
        'hie.requester.org': requester.organisationOds,
        'hie.view.types_requested': request.resourceTypes.length,
        'hie.view.chain_length': request.chain?.length ?? 0,
        ...(requester.relationship?.assertedBy
          ? { 'hie.requester.asserted_by': requester.relationship.assertedBy }
          : {}),
      },
      async (span) => {
        const view = await this.viewOnce(request);
        if (span.isRecording()) span.setAttributes(viewAttributes(view));
        return view;
      },
    );
  }

  /**
   * Role, purpose and objections, before any source is asked: the types the requester may see, or
   * AccessDenied. Its span names the role, purpose and stated basis, never the patient.
   */
  private governance(request: ViewRequest): Promise<{
    resourceTypes: RecordResourceType[];
    objectionOverridden: boolean;
    objections: ObjectionCheck;
  }> {
    const { requester } = request;
    return inSpan(
      SPAN.governance,
      {
        'hie.requester.role': requester.role,
        'hie.requester.purpose': requester.purposeOfUse,
        'hie.access.stated_basis': requester.relationship?.basis ?? 'verified',
      },
      async (span) => {
        requireReason(requester);
        const resourceTypes = this.options.policy.decide(requester, request.resourceTypes);
        const objections = await this.options.objections.check(request.nhsNumber, new Date());
        const objectionOverridden = this.objectionOverridden(requester, objections);
        span.setAttributes({
          'hie.governance.types_permitted': resourceTypes.length,
          'hie.governance.objection': objections.all
            ? 'all'
            : objections.organisations.size > 0
              ? 'some'
              : 'none',
          'hie.governance.objection_overridden': objectionOverridden,
        });
        if (objections.all && !objectionOverridden) throw objectionDenied();
        span.setAttribute('hie.governance.decision', 'permit');
        return { resourceTypes, objectionOverridden, objections };
      },
    );
  }

  private async viewOnce(request: ViewRequest): Promise<PatientView> {
    const queryId = randomUUID();
    const audit = this.auditRequest(request);
    let view: PatientView;
    let objectionOverridden = false;
    let released: { readonly returned: number } | undefined;
    try {
      requireAssertedPatient(request.requester, request.nhsNumber);
      // The sources' share of the deadline: the rest is for assembling and auditing the answer.
      const deadline = Date.now() + this.options.deadlineMs - this.options.assemblyReserveMs;
      // Who the patient is, asked of the authority while governance is decided: both come before any source.
      const [decided, identity] = await Promise.all([
        this.governance(request),
        this.options.authority?.confirm(request.nhsNumber, request.trace, deadline),
      ]);
      const { resourceTypes } = decided;
      let { objections } = decided;
      objectionOverridden = decided.objectionOverridden;
      const current =
        identity?.status === 'confirmed' && identity.supersededNumber ? identity.patient.id! : undefined;
      if (current) {
        // The patient's objections may be recorded under their current number: checked before any source is asked.
        const underCurrent = await this.options.objections.check(current, new Date());
        const overridden = this.objectionOverridden(request.requester, underCurrent);
        if (underCurrent.all && !overridden) throw objectionDenied();
        objectionOverridden ||= overridden;
        objections = {
          ...objections,
          organisations: new Set([...objections.organisations, ...underCurrent.organisations]),
        };
      }
      const query: PatientQuery = {
        queryId,
        nhsNumber: current ?? request.nhsNumber,
        resourceTypes,
        ...(request.since ? { since: request.since } : {}),
        requester: request.requester,
        deadline,
        chain: request.chain ?? [],
        ...(request.onlySources ? { onlySources: request.onlySources } : {}),
        ...(objectionOverridden ? {} : { objectedSources: this.objectedSources(objections.organisations) }),
      };
      view = await this.answer(
        request,
        query,
        objectionOverridden ? new Set() : objections.organisations,
        identity,
        current ? request.nhsNumber : undefined,
      );
      released = view.availability === 'found' ? request.release?.(view) : undefined;
    } catch (error) {
      if (error instanceof AuditUnavailable) throw error;
      await this.options.trail.commit({
        request: audit,
        action: 'patient-view',
        outcome: error instanceof AccessDenied ? '4' : '8',
        outcomeDesc:
          error instanceof AccessDenied
            ? error.text
            : 'The view failed inside the broker; nothing was released.',
        patient: request.nhsNumber,
      });
      throw error;
    }
    // Committed before anything leaves the broker; if it cannot be, the caller answers 503 with no data.
    await this.options.trail.commit({
      request: audit,
      action: 'patient-view',
      outcome: view.availability === 'unavailable' ? '8' : '0',
      ...(view.availability === 'unavailable'
        ? { outcomeDesc: 'No source that answered knows the patient, and some could not answer.' }
        : {}),
      patient: view.currentNhsNumber ?? request.nhsNumber,
      view: {
        queryId,
        relationship: view.access,
        sources: this.options.federation.adapters.map((adapter, index) => ({
          source: adapter.source,
          outcome: view.outcomes[index]!,
        })),
        ...(this.options.authority && view.identity
          ? {
              identity: {
                authority: this.options.authority.descriptor,
                status: view.identity.status,
                superseded:
                  view.identity.status === 'confirmed' && view.identity.supersededNumber !== undefined,
              },
            }
          : {}),
        returned: released?.returned ?? view.counts.shown + view.counts.grouped,
        withheld: view.counts.received - view.counts.shown - view.counts.grouped,
      },
      // Through a peer too: the access is to this broker's patients, whoever vouched for the user.
      emergency: view.access.basis === 'emergency',
      alerts: alertsFor(view, request.requester, objectionOverridden),
    });
    recordView(view, request, this.options);
    return view;
  }

  /**
   * A later page of a kept result is released only once audited, and not at all if the patient has
   * objected since the search (to all sharing or to a source): the search must then be repeated.
   */
  async releasePage(page: {
    readonly nhsNumber: string;
    readonly queryId: string;
    readonly requester: Requester;
    readonly audit: Omit<AuditRequest, 'requester' | 'chain'>;
    readonly chain?: readonly string[];
  }): Promise<void> {
    const audit: AuditRequest = {
      ...page.audit,
      requester: page.requester,
      ...(page.chain?.length ? { chain: page.chain } : {}),
    };
    const about = { reference: `urn:uuid:${page.queryId}`, display: 'a later page of an audited view' };
    const refuse = async (denied: AccessDenied): Promise<never> => {
      await this.options.trail.commit({
        request: audit,
        action: 'patient-page',
        outcome: '4',
        outcomeDesc: denied.text,
        patient: page.nhsNumber,
        about,
      });
      throw denied;
    };
    if (!requesterFitsPatient(page.requester, page.nhsNumber))
      await refuse(new AccessDenied('assertion-patient', ANOTHER_PATIENT));
    const objections = await this.options.objections.check(page.nhsNumber, new Date());
    const objected = Boolean(objections.all) || objections.organisations.size > 0;
    if (objected && !this.objectionOverridden(page.requester, objections)) {
      await refuse(
        new AccessDenied(
          'objection',
          "The patient's sharing preferences have changed since this search: repeat the search to see what may be shown now.",
        ),
      );
    }
    await this.options.trail.commit({
      request: audit,
      action: 'patient-page',
      outcome: '0',
      patient: page.nhsNumber,
      about,
    });
  }

  private async answer(
    request: ViewRequest,
    query: PatientQuery,
    objected: ReadonlySet<string>,
    identity: IdentityReference | undefined,
    superseded: string | undefined,
  ): Promise<PatientView> {
    const setup = this.contributionSetup(query, objected);
    // Each source's share of the merge is made as it answers, while the view waits for the slower ones.
    const early = new EarlyContributions(setup);
    // Under a superseded number too, where a source has not caught up with the merge: its record is the patient's.
    const [outcomes, earlier] = await Promise.all([
      this.options.federation.query(query, request.trace, (outcome, index) => early.add(outcome, index)),
      superseded
        ? this.options.federation.query({ ...query, nhsNumber: superseded }, request.trace)
        : Promise.resolve(undefined),
    ]);
    const combined = earlier
      ? outcomes.map((outcome, index) =>
          outcome.status !== 'ok' && earlier[index]?.status === 'ok' ? earlier[index] : outcome,
        )
      : outcomes;
    const merged = await inSpan(SPAN.merge, { 'hie.merge.sources': combined.length }, async (span) => {
      const result = this.merge(query, combined, setup, identity, early);
      if (span.isRecording()) span.setAttributes(mergeAttributes(result));
      return result;
    });
    // Checked before anything leaves the broker: without a relationship nothing is returned.
    // (A view that found nobody releases nothing: it answers 404 or 503 without a relationship.)
    let access: RelationshipDecision;
    try {
      access = merged.patient
        ? await inSpan(SPAN.relationship, {}, async (span) => {
            const decision = await this.relationship(request, query, merged);
            span.setAttributes({
              'hie.access.basis': decision.basis,
              ...(decision.evidence ? { 'hie.access.evidence': evidenceKind(decision.evidence) } : {}),
            });
            return decision;
          })
        : await this.nobodyFound(request, query, merged);
    } catch (error) {
      this.options.metrics.access.inc({
        basis: request.requester.relationship?.basis ?? 'verified',
        outcome: 'denied',
      });
      throw error;
    }
    return {
      ...merged,
      queryId: query.queryId,
      availability: availability(merged, merged.outcomes),
      access,
      ...(superseded ? { currentNhsNumber: query.nhsNumber } : {}),
    };
  }

  /**
   * When the view found nobody, a requester without a stated relationship gets the same refusal as
   * for a patient they have no relationship with: whether an NHS number is known to any source is
   * itself something only a related clinician may learn. A narrow view (types few sources supply)
   * may have asked nobody, so the patient's demographics are asked for first, as for a relationship
   * (nothing from that look is released). A stated (self-claimed or emergency) or vouched-for
   * relationship is told "not found", and that access is audited as any.
   */
  private async nobodyFound(
    request: ViewRequest,
    query: PatientQuery,
    merged: MergedView,
  ): Promise<RelationshipDecision> {
    const stated = request.requester.relationship;
    const nothingReleased: RelationshipDecision = {
      basis: stated?.basis ?? 'verified',
      evidence: 'nothing-released',
    };
    if ((stated && stated.basis !== 'verified') || stated?.assertedBy) return nothingReleased;
    if (availability(merged, merged.outcomes) !== 'not-found') return nothingReleased;
    if (query.resourceTypes.length === 0) {
      decideRelationship(request.requester, merged, this.relationshipContext);
      return nothingReleased;
    }
    const demographics = { ...query, resourceTypes: [] };
    const wider = this.merge(
      demographics,
      await this.options.federation.query(demographics, request.trace),
      this.contributionSetup(demographics),
    );
    // Throws AccessDenied without evidence, whether or not anyone knows the patient.
    return decideRelationship(request.requester, wider, this.relationshipContext);
  }

  private auditRequest(request: ViewRequest): AuditRequest {
    return {
      ...request.audit,
      requester: request.requester,
      ...(request.chain?.length ? { chain: request.chain } : {}),
    };
  }

  /** Break-glass access overrides an objection only where the operator allows it. */
  private objectionOverridden(requester: Requester, objections: ObjectionCheck): boolean {
    const objected = Boolean(objections.all) || objections.organisations.size > 0;
    return (
      objected &&
      this.options.emergencyOverridesObjection &&
      requester.relationship?.basis === 'emergency' &&
      !requester.relationship.assertedBy
    );
  }

  /** The configured sources held by organisations the patient objects to sharing from, or by their sites. */
  private objectedSources(organisations: ReadonlySet<string>): string[] {
    return this.options.federation.adapters
      .filter((adapter) => this.options.organisations.withinAny(adapter.source.odsCode, organisations))
      .map((adapter) => adapter.source.id);
  }

  /** What every source's contribution to this query's merge is made with. */
  private contributionSetup(
    query: PatientQuery,
    objected: ReadonlySet<string> = new Set(),
  ): ContributionSetup {
    const { organisations } = this.options;
    return {
      ...(objected.size > 0
        ? {
            objectedOrigin: (codes: readonly string[]) =>
              codes.some((c) => organisations.withinAny(c, objected)),
          }
        : {}),
      nhsNumber: query.nhsNumber,
      sources: this.options.federation.adapters.map((adapter) => adapter.source),
      sensitiveData: this.options.sensitiveData,
      ...(query.since ? { since: query.since } : {}),
      // Only a narrowed view names references outside it by view id (the demographics-only look names none).
      ...(query.resourceTypes.length > 0 ? { resourceTypes: query.resourceTypes } : {}),
    };
  }

  private merge(
    query: PatientQuery,
    outcomes: readonly SourceOutcome[],
    setup: ContributionSetup,
    identity?: IdentityReference,
    early?: EarlyContributions,
  ): MergedView {
    return mergeView({
      ...setup,
      ...(identity ? { identity } : {}),
      ...(early ? { early } : {}),
      viewId: query.queryId,
      outcomes,
      broker: this.options.broker,
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
      return decideRelationship(request.requester, merged, this.relationshipContext);
    } catch (error) {
      if (
        !(error instanceof AccessDenied) ||
        error.reason !== 'no-relationship' ||
        query.resourceTypes.length === 0
      )
        throw error;
      // Evidence may lie at any source, also those a narrowed view did not ask; nothing from it is released.
      const { onlySources: _narrowed, ...wholeQuery } = query;
      const demographics = { ...wholeQuery, resourceTypes: [] };
      const wider = this.merge(
        demographics,
        await this.options.federation.query(demographics, request.trace),
        this.contributionSetup(demographics),
        merged.identity,
      );
      return decideRelationship(request.requester, wider, this.relationshipContext);
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

function objectionDenied(): AccessDenied {
  return new AccessDenied(
    'objection',
    "The patient has objected to their record being shared. Nothing from it can be shown here; ask the patient, or the patient's GP practice, directly.",
  );
}
