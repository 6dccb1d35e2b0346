import type { Resource } from '@medplum/fhirtypes';
import { MENTAL_HEALTH_RISKS, MENTAL_HEALTH_RISK_KEYS } from '../catalogue/alerts';
import { PROBLEMS } from '../catalogue/problems';
import { buildAppointment } from '../builders/appointment';
import { buildCarePlan } from '../builders/care-plan';
import { buildCareTeam } from '../builders/care-team';
import { buildCondition } from '../builders/condition';
import type { EncounterClass, EncounterTypeKey } from '../builders/encounter';
import { buildEncounter } from '../builders/encounter';
import { buildFlag } from '../builders/flag';
import { DAY_MS, HOUR_MS, MINUTE_MS, toDate } from '../clock';
import { sensitivityLabel } from '../code-systems';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';

const CONTACTS: readonly { encounterClass: EncounterClass; type: EncounterTypeKey; service: string }[] = [
  { encounterClass: 'AMB', type: 'followUp', service: 'Community mental health team clinic' },
  { encounterClass: 'HH', type: 'homeVisit', service: 'Community mental health team home visit' },
  { encounterClass: 'VR', type: 'telephone', service: 'Care coordinator telephone review' },
  { encounterClass: 'AMB', type: 'consultation', service: 'Psychiatry outpatient clinic' },
];

const CARE_PLAN_ACTIVITIES = [
  'Fortnightly contact with care coordinator',
  'Medication review with consultant psychiatrist every 3 months',
  'Referral to talking therapies (CBT)',
  'Support to return to work or education',
  'Physical health check annually with GP',
  'Carer support and carer assessment offered',
] as const;

/** A mental health trust's record: diagnoses, care programme approach plan, care team, contacts, risks. */
export function buildMentalHealthRecord(
  context: RecordContext,
  profile: PersonProfile,
  random: Random,
): Resource[] {
  const now = context.referenceMs;
  const [psychiatrist, , coordinator, socialWorker] = context.organisation.clinicians;
  const resources: Resource[] = [];
  const team = `${context.person.address?.city ?? 'Thameside'} Community Mental Health Team`;
  const referredMs = Math.max(
    ...profile.mentalHealthProblems.map((p) => p.onsetMs),
    now - random.int(200, 2000) * DAY_MS,
  );

  const conditionIds: string[] = [];
  for (const problem of profile.mentalHealthProblems) {
    const concept = PROBLEMS[problem.key];
    const condition = buildCondition(context, {
      code: concept.code,
      display: concept.display,
      clinicalStatus: random.chance(0.8) ? 'active' : 'remission',
      category: 'problem-list-item',
      onset: toDate(problem.onsetMs),
      recordedMs: referredMs + random.int(7, 40) * DAY_MS,
      recorder: psychiatrist,
      severity: random.pick(['mild', 'moderate', 'severe'] as const),
      ...(concept.sensitivity ? { security: [sensitivityLabel(concept.sensitivity)] } : {}),
    });
    conditionIds.push(condition.id ?? '');
    resources.push(condition);
  }

  const careTeam = buildCareTeam(context, {
    name: team,
    startMs: referredMs,
    members: [
      {
        role: 'psychiatrist',
        name: psychiatrist ?? 'Consultant psychiatrist',
        note: 'Consultant psychiatrist',
      },
      { role: 'nurse', name: coordinator ?? 'Care coordinator', note: 'Care coordinator (CPN)' },
      ...(random.chance(0.6)
        ? [{ role: 'socialWorker' as const, name: socialWorker ?? 'Social worker' }]
        : []),
      ...(random.chance(0.3) ? [{ role: 'psychologist' as const, name: 'Dr Imogen Hart' }] : []),
    ],
  });
  resources.push(careTeam);

  resources.push(
    buildCarePlan(context, {
      title: 'Care Programme Approach care plan',
      category: 'Care Programme Approach',
      description: `CPA care plan agreed with ${context.person.given}; reviewed at least every 12 months.`,
      status: 'active',
      startMs: referredMs + 30 * DAY_MS,
      author: coordinator ?? 'Care coordinator',
      careTeamId: careTeam.id ?? '',
      addresses: conditionIds,
      activities: random.sample(CARE_PLAN_ACTIVITIES, random.int(2, 4)).map((description) => ({
        description,
        status: 'in-progress' as const,
      })),
    }),
  );
  if (random.chance(0.5)) {
    resources.push(
      buildCarePlan(context, {
        title: 'Crisis and contingency plan',
        category: 'Crisis plan',
        description: 'What to do if things get worse, agreed with the patient.',
        status: 'active',
        startMs: referredMs + 35 * DAY_MS,
        author: coordinator ?? 'Care coordinator',
        careTeamId: careTeam.id ?? '',
        activities: [
          { description: 'Early warning signs: poor sleep, withdrawal from family', status: 'in-progress' },
          {
            description: 'In crisis call the 24/7 mental health crisis line; out of hours NHS 111 option 2',
            status: 'in-progress',
          },
        ],
      }),
    );
  }

  for (let i = 0, contacts = random.int(1, 4); i < contacts; i++) {
    const contact = random.pick(CONTACTS);
    const startMs =
      Math.floor((now - random.int(i * 60 + 3, i * 60 + 58) * DAY_MS) / DAY_MS) * DAY_MS +
      random.int(9, 16) * HOUR_MS;
    resources.push(
      buildEncounter(context, {
        encounterClass: contact.encounterClass,
        type: contact.type,
        service: contact.service,
        status: 'finished',
        startMs,
        endMs: startMs + random.int(2, 6) * 10 * MINUTE_MS,
        clinician: contact.type === 'consultation' ? psychiatrist : coordinator,
      }),
    );
  }

  const nextMs =
    Math.floor((now + random.int(2, 45) * DAY_MS) / DAY_MS) * DAY_MS + random.int(9, 16) * HOUR_MS;
  resources.push(
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'FOLLOWUP',
      service: 'Community mental health team',
      description: 'Care coordinator review',
      startMs: nextMs,
      minutes: 45,
      createdMs: now - random.int(1, 30) * DAY_MS,
      clinician: coordinator ?? 'Care coordinator',
    }),
  );

  if (random.chance(0.4)) {
    const riskKey = random.pick(
      MENTAL_HEALTH_RISK_KEYS.filter((key) => MENTAL_HEALTH_RISKS[key].minAge <= profile.age),
    );
    const risk = MENTAL_HEALTH_RISKS[riskKey];
    resources.push(
      buildFlag(context, {
        category: risk.category,
        text: risk.text,
        status: 'active',
        startMs: referredMs + random.int(1, 90) * DAY_MS,
        author: psychiatrist,
      }),
    );
  }
  return resources;
}
