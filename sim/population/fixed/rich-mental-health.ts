import type { Resource } from '@medplum/fhirtypes';
import { PROBLEMS } from '../catalogue/problems';
import { buildAppointment } from '../builders/appointment';
import { buildCarePlan } from '../builders/care-plan';
import { buildCareTeam } from '../builders/care-team';
import { buildCondition } from '../builders/condition';
import { buildEncounter, type EncounterClass, type EncounterTypeKey } from '../builders/encounter';
import { buildFlag } from '../builders/flag';
import { MINUTE_MS, createFixedDates } from '../clock';
import type { RecordContext } from '../record-context';

const PSYCHIATRIST = 'Dr Naomi Kerr';
const COORDINATOR = 'Joanne Reid (CPN)';
const SOCIAL_WORKER = 'Marcus Bell (Social Worker)';
const TEAM = 'Northbrook Older Adults Community Mental Health Team';

const CONTACTS: readonly {
  start: string;
  minutes: number;
  cls: EncounterClass;
  type: EncounterTypeKey;
  service: string;
}[] = [
  {
    start: '2025-11-28T10:00:00Z',
    minutes: 50,
    cls: 'AMB',
    type: 'followUp',
    service: 'Community mental health team clinic',
  },
  {
    start: '2026-03-19T14:00:00Z',
    minutes: 60,
    cls: 'HH',
    type: 'homeVisit',
    service: 'Care coordinator home visit',
  },
  {
    start: '2026-06-05T11:30:00Z',
    minutes: 30,
    cls: 'AMB',
    type: 'consultation',
    service: 'Psychiatry outpatient clinic',
  },
  {
    start: '2026-08-14T10:00:00Z',
    minutes: 45,
    cls: 'AMB',
    type: 'followUp',
    service: 'Community mental health team clinic',
  },
  {
    start: '2026-09-25T15:00:00Z',
    minutes: 60,
    cls: 'HH',
    type: 'homeVisit',
    service: 'Care coordinator home visit',
  },
  {
    start: '2026-10-20T09:30:00Z',
    minutes: 20,
    cls: 'VR',
    type: 'telephone',
    service: 'Care coordinator telephone review',
  },
];

/** Amelia Clarke's mental health trust record: diagnoses, CPA and crisis plans, care team, contacts. */
export function buildRichMentalHealthRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const depression = PROBLEMS['recurrent-depression'];
  const anxiety = PROBLEMS['generalised-anxiety'];

  const depressionCondition = buildCondition(context, {
    code: depression.code,
    display: depression.display,
    clinicalStatus: 'active',
    category: 'problem-list-item',
    onset: at.date('2019-05-02'),
    recordedMs: at.ms('2019-06-03T12:00:00Z'),
    recorder: PSYCHIATRIST,
    severity: 'moderate',
  });
  const anxietyCondition = buildCondition(context, {
    code: anxiety.code,
    display: anxiety.display,
    clinicalStatus: 'active',
    category: 'problem-list-item',
    onset: at.date('2020-01-15'),
    recordedMs: at.ms('2020-02-10T12:00:00Z'),
    recorder: PSYCHIATRIST,
    severity: 'mild',
  });
  const careTeam = buildCareTeam(context, {
    name: TEAM,
    startMs: at.ms('2019-06-03T00:00:00Z'),
    members: [
      { role: 'psychiatrist', name: PSYCHIATRIST, note: 'Consultant psychiatrist (older adults)' },
      { role: 'nurse', name: COORDINATOR, note: 'Care coordinator (community psychiatric nurse)' },
      { role: 'socialWorker', name: SOCIAL_WORKER },
      { role: 'psychologist', name: 'Dr Imogen Hart' },
    ],
  });
  const careTeamId = careTeam.id ?? '';
  const addresses = [depressionCondition.id ?? '', anxietyCondition.id ?? ''];

  return [
    depressionCondition,
    anxietyCondition,
    careTeam,
    buildCarePlan(context, {
      title: 'Care Programme Approach care plan',
      category: 'Care Programme Approach',
      description: 'CPA care plan agreed with Amelia and her daughter; reviewed at CPA review 2026-08-14.',
      status: 'active',
      startMs: at.ms('2019-06-10T00:00:00Z'),
      author: COORDINATOR,
      careTeamId,
      addresses,
      activities: [
        {
          description: 'Fortnightly contact with care coordinator (alternating home visit and telephone)',
          status: 'in-progress',
        },
        {
          description: 'Citalopram 20 mg daily; psychiatry medication review every 6 months',
          status: 'in-progress',
        },
        { description: 'Referral to older adults talking therapies (CBT for anxiety)', status: 'completed' },
        {
          description: 'Befriending service and Thursday lunch club to reduce isolation',
          status: 'in-progress',
        },
      ],
    }),
    buildCarePlan(context, {
      title: 'Crisis and contingency plan',
      category: 'Crisis plan',
      description: 'Agreed with Amelia: what to do if her mood drops or she stops eating.',
      status: 'active',
      startMs: at.ms('2024-02-01T00:00:00Z'),
      author: COORDINATOR,
      careTeamId,
      addresses,
      activities: [
        {
          description: 'Early warning signs: stops answering the phone, not eating, poor sleep',
          status: 'in-progress',
        },
        {
          description: 'Daughter (next of kin) to call the care coordinator or the 24/7 crisis line',
          status: 'in-progress',
        },
        { description: 'Out of hours: NHS 111 option 2 (mental health)', status: 'in-progress' },
      ],
    }),
    buildCarePlan(context, {
      title: 'Relapse prevention plan',
      category: 'Relapse prevention',
      description: 'Plan written at the end of the 2020 episode of care.',
      status: 'completed',
      startMs: at.ms('2020-03-01T00:00:00Z'),
      endMs: at.ms('2021-03-01T00:00:00Z'),
      author: 'Dr Peter Lindqvist',
      careTeamId,
      activities: [{ description: 'Daily routine and activity scheduling', status: 'completed' }],
    }),
    ...CONTACTS.map((contact) =>
      buildEncounter(context, {
        encounterClass: contact.cls,
        type: contact.type,
        service: contact.service,
        status: 'finished',
        startMs: at.ms(contact.start),
        endMs: at.ms(contact.start) + contact.minutes * MINUTE_MS,
        clinician: contact.type === 'consultation' ? PSYCHIATRIST : COORDINATOR,
      }),
    ),
    buildAppointment(context, {
      status: 'fulfilled',
      appointmentType: 'FOLLOWUP',
      service: 'Community mental health team',
      description: 'CPA review',
      startMs: at.ms('2026-08-14T10:00:00Z'),
      minutes: 45,
      createdMs: at.ms('2026-06-05T12:00:00Z'),
      clinician: COORDINATOR,
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'FOLLOWUP',
      service: 'Community mental health team',
      description: 'Care coordinator home visit',
      startMs: at.ms('2026-11-05T14:00:00Z'),
      minutes: 60,
      createdMs: at.ms('2026-10-20T09:50:00Z'),
      clinician: COORDINATOR,
      location: 'Home visit',
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'ROUTINE',
      service: 'Psychiatry outpatient clinic',
      description: 'Six-monthly medication review',
      startMs: at.ms('2026-12-03T11:30:00Z'),
      minutes: 30,
      createdMs: at.ms('2026-06-05T12:05:00Z'),
      clinician: PSYCHIATRIST,
    }),
    buildFlag(context, {
      category: 'clinical',
      text: 'Risk of self-neglect when low in mood - see crisis plan',
      status: 'active',
      startMs: at.ms('2024-02-01T00:00:00Z'),
      author: COORDINATOR,
    }),
  ];
}
