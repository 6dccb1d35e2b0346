import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { RelationshipDecision, Requester } from '../../core/requester';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { MergedView } from '../merge/merge-view';
import { AccessDenied } from './access-denied';

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

/**
 * The legitimate relationship for this view, or AccessDenied. Verified means the requester's
 * organisation is in the patient's federated record: a source that holds the patient, the
 * registered GP practice, or the organisation of an encounter, appointment, care team or referral.
 * Self-claimed and emergency access are allowed with a reason; a peer broker's vouched-for basis is
 * accepted as the peer's responsibility.
 */
export function decideRelationship(
  requester: Requester,
  view: MergedView,
  sourceOds: ReadonlyMap<string, string>,
): RelationshipDecision {
  const stated = requester.relationship ?? { basis: 'verified' };
  if (stated.assertedBy) return { basis: stated.basis, assertedBy: stated.assertedBy };
  if (stated.basis !== 'verified') return { basis: stated.basis };
  const evidence = findEvidence(requester.organisationOds, view, sourceOds);
  if (evidence) return { basis: 'verified', evidence };
  throw new AccessDenied(
    'no-relationship',
    `No legitimate relationship between your organisation (${requester.organisationOds.slice(0, 10) || 'none'}) and this patient was found in their record. ` +
      `If you are caring for them, send ${RELATIONSHIP_HEADER}: self-claimed with ${REASON_HEADER} saying why; ` +
      `in an emergency, send ${RELATIONSHIP_HEADER}: emergency with a reason. Both are audited and reviewed.`,
  );
}

/** Same organisation: equal ODS codes, or a site code within a trust's (R1X01 within R1X). */
function sameOrganisation(a: string, b: string): boolean {
  if (!a || !b) return false;
  return a === b || (a.length > b.length ? a.startsWith(b) : b.startsWith(a));
}

function odsOf(reference: Reference | undefined): string | undefined {
  const identifier: Identifier | undefined = reference?.identifier;
  return identifier?.system === ODS_CODE_SYSTEM ? identifier.value : undefined;
}

/** ODS codes of the organisations an item ties to the patient's care. */
function organisationsIn(resource: Resource): (string | undefined)[] {
  switch (resource.resourceType) {
    case 'Encounter':
      return [odsOf(resource.serviceProvider)];
    case 'Appointment':
      return (resource.participant ?? []).map((p) => odsOf(p.actor));
    case 'CareTeam':
      return [
        ...(resource.managingOrganization ?? []).map(odsOf),
        ...(resource.participant ?? []).map((p) => odsOf(p.onBehalfOf ?? p.member)),
      ];
    case 'ServiceRequest':
      return [odsOf(resource.requester), ...(resource.performer ?? []).map(odsOf)];
    default:
      return [];
  }
}

function findEvidence(
  ods: string,
  view: MergedView,
  sourceOds: ReadonlyMap<string, string>,
): string | undefined {
  if (!ods) return undefined;
  for (const outcome of view.outcomes) {
    if (outcome.status === 'ok' && sameOrganisation(ods, sourceOds.get(outcome.sourceId) ?? ''))
      return `source:${outcome.sourceId}`;
  }
  // The registered practice as each source holds it: a restricted patient's merged Patient has it removed.
  const practices = view.outcomes.flatMap((o) =>
    o.status === 'ok' ? (o.record.patient.generalPractitioner ?? []) : [],
  );
  if (practices.some((gp) => sameOrganisation(ods, odsOf(gp) ?? ''))) return 'registered-gp';
  // The registered practice as the national demographics service holds it.
  const nationally =
    view.identity?.status === 'confirmed' ? view.identity.patient.generalPractitioner : undefined;
  if ((nationally ?? []).some((gp) => sameOrganisation(ods, odsOf(gp) ?? ''))) return 'registered-gp:pds';
  for (const { resource } of view.entries) {
    if (organisationsIn(resource).some((org) => sameOrganisation(ods, org ?? '')))
      return `care-item:${resource.resourceType}`;
  }
  return undefined;
}
