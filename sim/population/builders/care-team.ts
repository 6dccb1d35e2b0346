import type { CareTeam } from '@medplum/fhirtypes';
import { toDate } from '../clock';
import { LOINC, SNOMED, coded } from '../code-systems';
import { organisationReference } from '../organisations';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

/** Care team roles: SNOMED CT occupations. */
export const CARE_TEAM_ROLES = {
  psychiatrist: { code: '80584001', display: 'Psychiatrist' },
  psychologist: { code: '59944000', display: 'Psychologist' },
  socialWorker: { code: '106328005', display: 'Social worker' },
  nurse: { code: '224535009', display: 'Registered nurse' },
  occupationalTherapist: { code: '80546007', display: 'Occupational therapist' },
  pharmacist: { code: '46255001', display: 'Pharmacist' },
  generalPractitioner: { code: '62247001', display: 'Family medicine specialist' },
} as const;
export type CareTeamRoleKey = keyof typeof CARE_TEAM_ROLES;

export interface CareTeamSpec {
  readonly name: string;
  readonly startMs: number;
  readonly members: readonly {
    readonly role: CareTeamRoleKey;
    readonly name: string;
    readonly note?: string;
  }[];
}

export function buildCareTeam(context: RecordContext, spec: CareTeamSpec): CareTeam {
  return {
    resourceType: 'CareTeam',
    id: context.nextId('CareTeam'),
    meta: resourceMeta(context, spec.startMs),
    status: 'active',
    category: [coded(LOINC, 'LA28865-6', 'Longitudinal care-coordination focused care team')],
    name: spec.name,
    subject: context.patient,
    period: { start: toDate(spec.startMs) },
    participant: spec.members.map((member) => ({
      role: [
        {
          coding: [{ system: SNOMED, ...CARE_TEAM_ROLES[member.role] }],
          text: member.note ?? CARE_TEAM_ROLES[member.role].display,
        },
      ],
      member: displayReference(member.name),
      period: { start: toDate(spec.startMs) },
    })),
    managingOrganization: [organisationReference(context.organisation)],
  };
}
