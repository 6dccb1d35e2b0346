import type { CareTeam } from '@medplum/fhirtypes';
import { readCareTeam } from './read-team';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = {
  resolve: (ref) =>
    ref === 'Practitioner/mh-p1'
      ? { resourceType: 'Practitioner', id: 'mh-p1', name: [{ text: 'Dr Naomi Kerr' }] }
      : undefined,
  now: new Date('2026-10-01T00:00:00Z'),
};

describe('readCareTeam', () => {
  it('when a team has members with roles, then the detail names each role and member and the organisation', () => {
    const team: CareTeam = {
      resourceType: 'CareTeam',
      status: 'active',
      name: 'Older Adults CMHT',
      period: { start: '2019-06-03' },
      participant: [
        { role: [{ text: 'Consultant psychiatrist' }], member: { reference: 'Practitioner/mh-p1' } },
        { member: { display: 'Joanne Reid (CPN)' } },
      ],
      managingOrganization: [{ display: 'Thameside Mental Health NHS Foundation Trust' }],
    };

    expect(readCareTeam(team, ctx)).toEqual({
      date: '2019-06-03',
      title: 'Older Adults CMHT',
      detail:
        'Consultant psychiatrist: Dr Naomi Kerr; Joanne Reid (CPN) · Thameside Mental Health NHS Foundation Trust',
      status: 'active',
    });
  });

  it('when the team has no name, then its category is the title; with nothing else, nothing else is said', () => {
    expect(readCareTeam({ resourceType: 'CareTeam', category: [{ text: 'Community team' }] }, ctx)).toEqual({
      title: 'Community team',
    });
    expect(readCareTeam({ resourceType: 'CareTeam' }, ctx)).toEqual({});
  });
});
