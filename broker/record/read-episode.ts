import type { CodeableConcept, EpisodeOfCare } from '@medplum/fhirtypes';
import { conceptText, firstConceptText, joinParts, optional, periodStart, referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/**
 * An episode of care with a community, CAMHS or addiction service: the service, the team or
 * organisation, the care coordinator, who referred, the diagnoses it is for, and the period.
 */
export function readEpisodeOfCare(episode: EpisodeOfCare, ctx: ReaderContext): ItemContent {
  const end = episode.period?.end;
  return {
    ...optional('date', periodStart(episode.period) ?? episode.statusHistory?.[0]?.period.start),
    ...optional('title', firstConceptText(episode.type)),
    ...optional(
      'detail',
      joinParts([
        referenceText(episode.managingOrganization, ctx.resolve),
        ...(episode.team ?? []).map((t) => referenceText(t, ctx.resolve)),
        withLabel('Care coordinator', referenceText(episode.careManager, ctx.resolve)),
        ...(episode.referralRequest ?? []).map((r) => withLabel('Referral', referenceText(r, ctx.resolve))),
        joinParts(
          (episode.diagnosis ?? []).map(
            (d) =>
              referenceText(d.condition, ctx.resolve) ??
              conceptText(resolvedCode(d.condition.reference, ctx)),
          ),
          ', ',
        ),
        withLabel('Ended', end),
      ]),
    ),
    ...optional('status', episode.status),
  };
}

function withLabel(label: string, value: string | undefined): string | undefined {
  return value ? `${label}: ${value}` : undefined;
}

function resolvedCode(reference: string | undefined, ctx: ReaderContext): CodeableConcept | undefined {
  const target = ctx.resolve(reference);
  return target?.resourceType === 'Condition' ? target.code : undefined;
}
