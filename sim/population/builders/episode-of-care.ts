import type { Coding, EpisodeOfCare } from '@medplum/fhirtypes';
import { toDate } from '../clock';
import { textOnly } from '../code-systems';
import { organisationReference } from '../organisations';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

/** Services a community, CAMHS or addiction episode is with: as text, as most mental health EPRs hold them. */
export const EPISODE_SERVICES = {
  camhs: textOnly('Child and adolescent mental health service (CAMHS)'),
  'drug-alcohol': textOnly('Drug and alcohol service'),
  'community-mental-health': textOnly('Community mental health team'),
} as const;

export interface EpisodeSpec {
  readonly service: keyof typeof EPISODE_SERVICES;
  readonly team: string;
  readonly careCoordinator?: string;
  readonly referredBy?: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly conditionIds?: readonly string[];
  readonly security?: readonly Coding[];
}

export function buildEpisodeOfCare(context: RecordContext, spec: EpisodeSpec): EpisodeOfCare {
  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    id: context.nextId('EpisodeOfCare'),
    meta: resourceMeta(context, spec.endMs ?? spec.startMs, spec.security),
    status: spec.endMs === undefined ? 'active' : 'finished',
    type: [EPISODE_SERVICES[spec.service]],
    team: [displayReference(spec.team)],
    patient: context.patient,
    managingOrganization: organisationReference(context.organisation),
    period: { start: toDate(spec.startMs), ...(spec.endMs === undefined ? {} : { end: toDate(spec.endMs) }) },
  };
  if (spec.careCoordinator) episode.careManager = displayReference(spec.careCoordinator);
  if (spec.referredBy) episode.referralRequest = [displayReference(spec.referredBy)];
  if (spec.conditionIds?.length)
    episode.diagnosis = spec.conditionIds.map((id) => ({ condition: localReference('Condition', id) }));
  return episode;
}
