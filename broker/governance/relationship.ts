import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { RelationshipDecision, Requester } from '../../core/requester';
import type { VouchedForPolicy } from '../../config/schema';
import type { MergedView } from '../merge/merge-view';
import { AccessDenied } from './access-denied';
import type { OrganisationDirectory } from './organisation-directory';

/** HTTP headers a clinical system uses to state the relationship and its reason. */
export const RELATIONSHIP_HEADER = 'X-Hie-Relationship';
export const REASON_HEADER = 'X-Hie-Access-Reason';

/** 10 to 500 characters, none of them a control character (no line breaks smuggled into logs). */
function isReadableReason(reason: string): boolean {
  if (reason.length < 10 || reason.length > 500) return false;
  for (let i = 0; i < reason.length; i++) {
    const code = reason.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * Checks a stated reason before any source is asked: self-claimed and emergency access need one a
 * person could read back at audit (10 to 500 characters, no control characters).
 */
export function requireReason(requester: Requester): void {
  const stated = requester.relationship;
  if (!stated || stated.basis === 'verified') return;
  if (!stated.reason || !isReadableReason(stated.reason)) {
    throw new AccessDenied(
      'reason-required',
      `${stated.basis === 'emergency' ? 'Emergency access' : 'A self-claimed relationship'} needs a reason: send ${REASON_HEADER} with 10 to 500 characters saying why you need this record.`,
    );
  }
}

/** What the relationship check needs to know besides the requester and the view. */
export interface RelationshipContext {
  /** Each configured source's ODS code, by source id. */
  readonly sourceOds: ReadonlyMap<string, string>;
  readonly organisations: OrganisationDirectory;
  /** Whether a peer's vouched-for basis is accepted, or evidence found here is required. */
  readonly vouchedFor: VouchedForPolicy;
}

/**
 * The legitimate relationship for this view, or AccessDenied. Verified means the requester's
 * organisation (or its trust, through configured `organisations`) speaks about the patient through
 * its own source: that source holds the patient's record. A registration, encounter, appointment,
 * care team or referral counts only from the organisation's own source, which then holds the record
 * anyway; what one source says about another organisation is never evidence. Self-claimed and
 * emergency access are allowed with a reason. A peer's vouched-for basis is recorded as the peer's,
 * and accepted unless local policy requires evidence found here.
 */
export function decideRelationship(
  requester: Requester,
  view: MergedView,
  context: RelationshipContext,
): RelationshipDecision {
  const stated = requester.relationship ?? { basis: 'verified' };
  if (stated.assertedBy) {
    if (context.vouchedFor === 'accept-peer-basis')
      return { basis: stated.basis, assertedBy: stated.assertedBy };
    const evidence = findEvidence(requester.organisationOds, view, context);
    if (evidence) return { basis: stated.basis, evidence, assertedBy: stated.assertedBy };
    throw new AccessDenied(
      'no-relationship',
      `This broker requires evidence of the relationship in the patient's record here for users a neighbouring broker vouches for, ` +
        `and none was found for your organisation (${requester.organisationOds.slice(0, 10) || 'none'}). Ask this region's own care record service, or the patient's GP practice.`,
    );
  }
  if (stated.basis !== 'verified') return { basis: stated.basis };
  const evidence = findEvidence(requester.organisationOds, view, context);
  if (evidence) return { basis: 'verified', evidence };
  throw new AccessDenied(
    'no-relationship',
    `No legitimate relationship between your organisation (${requester.organisationOds.slice(0, 10) || 'none'}) and this patient was found in their record. ` +
      `If you are caring for them, send ${RELATIONSHIP_HEADER}: self-claimed with ${REASON_HEADER} saying why; ` +
      `in an emergency, send ${RELATIONSHIP_HEADER}: emergency with a reason. Both are audited and reviewed.`,
  );
}

/** The requester's organisation's own source, when it knows the patient: `source:<id>`. */
function findEvidence(ods: string, view: MergedView, context: RelationshipContext): string | undefined {
  if (!ods) return undefined;
  for (const outcome of view.outcomes) {
    if (
      outcome.status === 'ok' &&
      context.organisations.sameOrganisation(ods, context.sourceOds.get(outcome.sourceId))
    )
      return `source:${outcome.sourceId}`;
  }
  // The registered practice as the national demographics service holds it (never as another source says).
  const nationally =
    view.identity?.status === 'confirmed' ? view.identity.patient.generalPractitioner : undefined;
  for (const gp of nationally ?? []) {
    const practice = gp.identifier?.system === ODS_CODE_SYSTEM ? gp.identifier.value : undefined;
    if (practice && context.organisations.sameOrganisation(ods, practice)) return 'registered-gp:pds';
  }
  return undefined;
}
