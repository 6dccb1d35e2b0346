import type { CareTeam } from '@medplum/fhirtypes';
import { firstConceptText, joinParts, nonEmpty, optional, periodStart, referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** A care team: its name, and each member with their role ("Care coordinator: Joanne Reid (CPN)"). */
export function readCareTeam(team: CareTeam, ctx: ReaderContext): ItemContent {
  const members = (team.participant ?? []).map((p) => {
    const who = referenceText(p.member, ctx.resolve) ?? referenceText(p.onBehalfOf, ctx.resolve);
    const role = firstConceptText(p.role);
    return who && role ? `${role}: ${who}` : (who ?? role);
  });
  const organisations = (team.managingOrganization ?? []).map((o) => referenceText(o, ctx.resolve));
  return {
    ...optional('date', periodStart(team.period)),
    ...optional('title', nonEmpty(team.name) ?? firstConceptText(team.category)),
    ...optional('detail', joinParts([joinParts(members, '; '), ...organisations])),
    ...optional('status', team.status),
  };
}
