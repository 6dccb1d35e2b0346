import type { HumanName, OperationOutcome, Organization, Patient } from '@medplum/fhirtypes';
import { formatNhsNumber } from '../../core/fhir/nhs-number';
import { RESTRICTED_PATIENT } from '../merge/sensitive-data/sensitive-data-issues';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import { joinParts, nonEmpty, optional, resourceName, type ResolveReference } from './fhir-text';
import { issueReason, issueSourceId } from './outcome-issues';
import { addressText } from './read-contacts';
import type { Banner, BannerConflict } from './record-types';
import { IDENTITY_REASONS, type IdentityReference } from '../merge/demographics/identity-reference';

/** Reasons the merge gives when a source's patient disagrees with the others. */
const CONFLICT_REASONS = new Set(['demographic-mismatch']);

/** The name a banner shows: official, else usual, else the first; one that has ended is passed over. */
function bannerName(names: readonly HumanName[] | undefined): HumanName | undefined {
  const current = (names ?? []).filter((n) => !n.period?.end);
  return current.find((n) => n.use === 'official') ?? current.find((n) => n.use === 'usual') ?? current[0];
}

/** "CLARKE, Amelia (Mrs)": the NHS patient banner form; a name given only as text is shown as written. */
export function bannerNameText(name: HumanName | undefined): string | undefined {
  if (!name) return undefined;
  const family = nonEmpty(name.family)?.toUpperCase();
  const given = joinParts(name.given, ' ');
  const prefix = joinParts(name.prefix, ' ');
  if (!family && !given) return nonEmpty(name.text);
  const core = family && given ? `${family}, ${given}` : (family ?? given)!;
  return prefix ? `${core} (${prefix})` : core;
}

function organisationText(organisation: Organization): string | undefined {
  const ods = organisation.identifier?.find((i) => i.system === ODS_CODE_SYSTEM)?.value;
  const name = nonEmpty(organisation.name);
  return name && ods ? `${name} (${ods})` : (name ?? ods);
}

/**
 * "Dr Sarah Okafor, Northbrook Health Centre (Y90001)": the Patient's generalPractitioner references,
 * with the managing organisation (GP Connect's registered practice) when no practice is among them.
 */
export function registeredGpText(patient: Patient, resolve: ResolveReference): string | undefined {
  const targets = (patient.generalPractitioner ?? []).map((reference) => ({
    reference,
    target: resolve(reference.reference),
  }));
  const parts = targets.map(({ reference, target }) =>
    target?.resourceType === 'Organization'
      ? organisationText(target)
      : (nonEmpty(reference.display) ?? resourceName(target)),
  );
  const practice = resolve(patient.managingOrganization?.reference);
  const hasPractice = targets.some(({ target }) => target?.resourceType === 'Organization');
  if (parts.some(Boolean) && !hasPractice && practice?.resourceType === 'Organization') {
    parts.push(organisationText(practice));
  }
  return joinParts(parts, ', ');
}

/** Sources whose patient disagreed with the others, as the merge reported them (field named, values never). */
export function bannerConflicts(outcome: OperationOutcome): BannerConflict[] {
  return (outcome.issue ?? []).flatMap((issue) => {
    const reason = issueReason(issue);
    const sourceId = issueSourceId(issue);
    const text = issue.details?.text;
    return reason && sourceId && text && CONFLICT_REASONS.has(reason) ? [{ sourceId, reason, text }] : [];
  });
}

/** The view's note that the patient is restricted and their contact details are not shown, if it has one. */
export function bannerRestriction(outcome: OperationOutcome): string | undefined {
  const issue = (outcome.issue ?? []).find((i) => issueReason(i) === RESTRICTED_PATIENT);
  return issue?.details?.text;
}

/** The view's note that the NHS number asked for was superseded, if it has one. */
export function bannerSuperseded(outcome: OperationOutcome): string | undefined {
  const issue = (outcome.issue ?? []).find((i) => issueReason(i) === IDENTITY_REASONS.superseded);
  return issue?.details?.text;
}

/** The banner: who this is, as the representative source recorded them. */
export function readBanner(input: {
  nhsNumber: string;
  patient: Patient | null;
  outcome: OperationOutcome;
  resolve: ResolveReference;
  /** What the national demographics service said: its date of death and registered practice count. */
  identity?: IdentityReference;
}): Banner {
  const { patient } = input;
  const national = input.identity?.status === 'confirmed' ? input.identity.patient : undefined;
  const restricted = bannerRestriction(input.outcome);
  const fromSource = patient ? registeredGpText(patient, input.resolve) : undefined;
  // The registered practice is PDS's (by ODS code) when it names one: a source's text only if it names the same.
  const nationalOds = restricted
    ? []
    : (national?.generalPractitioner ?? []).flatMap((r) =>
        r.identifier?.system === ODS_CODE_SYSTEM && r.identifier.value ? [r.identifier.value] : [],
      );
  const registeredGp =
    nationalOds.length === 0 || nationalOds.some((ods) => fromSource?.includes(`(${ods})`))
      ? fromSource
      : `${nationalOds.join(', ')} (registered practice, from PDS)`;
  const home =
    patient?.address?.find((a) => a.use === 'home' && !a.period?.end) ??
    patient?.address?.find((a) => !a.period?.end);
  return {
    ...optional('name', bannerNameText(bannerName(patient?.name))),
    ...optional('birthDate', patient?.birthDate),
    nhsNumber: formatNhsNumber(input.nhsNumber),
    ...optional('sex', patient?.gender),
    ...optional('address', addressText(home)),
    ...optional('registeredGp', registeredGp),
    ...optional('restricted', restricted),
    ...optional(
      'deceased',
      national?.deceasedDateTime?.slice(0, 10) ?? patient?.deceasedDateTime?.slice(0, 10),
    ),
    ...optional('superseded', bannerSuperseded(input.outcome)),
    conflicts: bannerConflicts(input.outcome),
  };
}
