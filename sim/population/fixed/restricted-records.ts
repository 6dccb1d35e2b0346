import type { Observation, Resource } from '@medplum/fhirtypes';
import { DOSAGES } from '../catalogue/dosages';
import { attendanceLetterText, clinicLetterText } from '../catalogue/letters';
import { MEDICATIONS } from '../catalogue/medications';
import { PROBLEMS } from '../catalogue/problems';
import { PRESENTATIONS } from '../catalogue/presentations';
import { buildAppointment } from '../builders/appointment';
import { buildCarePlan } from '../builders/care-plan';
import { buildCareTeam } from '../builders/care-team';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { buildMedicationStatement } from '../builders/medication-statement';
import { buildBloodPressureObservation } from '../builders/observation';
import { DAY_MS, createFixedDates, toInstant } from '../clock';
import {
  LOINC,
  OBSERVATION_CATEGORY,
  RESTRICTED_LABEL,
  UCUM,
  coded,
  sensitivityLabel,
} from '../code-systems';
import { letterHeader } from '../letter-header';
import { resourceMeta, type RecordContext } from '../record-context';

/**
 * Alex Morgan (9000000025) has a restricted (S-flag) record: every node labels the Patient v3-Confidentiality
 * R. Sensitive items also carry a v3-ActCode sensitivity label (HIV, STD, SEX, PSY); the gender identity item
 * carries R alone, as v3-ActCode (R4) has no gender identity code. Ordinary items carry no label, and so
 * does one sensitive item: a past chlamydial infection the practice coded but never labelled, which only
 * its SNOMED CT code (a sexually transmitted infection) marks as sensitive.
 */
const HIV_LABELS = [sensitivityLabel('HIV'), RESTRICTED_LABEL];
const SEXUAL_HEALTH_LABELS = [sensitivityLabel('STD'), sensitivityLabel('SEX'), RESTRICTED_LABEL];
const MENTAL_HEALTH_LABELS = [sensitivityLabel('PSY')];

function hivResult(
  context: RecordContext,
  takenMs: number,
  code: string,
  display: string,
  value: number,
  unit: string,
): Observation {
  return {
    resourceType: 'Observation',
    id: context.nextId('Observation'),
    meta: resourceMeta(context, takenMs + DAY_MS, HIV_LABELS),
    status: 'final',
    category: [coded(OBSERVATION_CATEGORY, 'laboratory', 'Laboratory')],
    code: coded(LOINC, code, display),
    subject: context.patient,
    effectiveDateTime: toInstant(takenMs),
    issued: toInstant(takenMs + DAY_MS),
    valueQuantity: {
      value,
      unit,
      system: UCUM,
      code: unit,
      ...(code === '20447-9' ? { comparator: '<' as const } : {}),
    },
  };
}

export function buildRestrictedGpRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const gp = 'Dr Meera Patel';
  return [
    buildCondition(context, {
      code: '86406008',
      display: 'Human immunodeficiency virus infection',
      clinicalStatus: 'active',
      category: 'problem-list-item',
      onset: at.date('2017-08-22'),
      recordedMs: at.ms('2017-09-04T10:00:00Z'),
      recorder: gp,
      note: 'Under the care of the HIV clinic; stable on antiretroviral therapy prescribed by the clinic',
      security: HIV_LABELS,
    }),
    buildCondition(context, {
      code: '93461009',
      display: 'Gender dysphoria',
      clinicalStatus: 'active',
      category: 'problem-list-item',
      onset: at.date('2012-04-03'),
      recordedMs: at.ms('2012-04-10T10:00:00Z'),
      recorder: gp,
      security: [RESTRICTED_LABEL],
    }),
    buildCondition(context, {
      code: '105629000',
      display: 'Chlamydial infection',
      clinicalStatus: 'resolved',
      category: 'problem-list-item',
      onset: at.date('2015-03-02'),
      abatement: at.date('2015-03-30'),
      recordedMs: at.ms('2015-03-02T11:20:00Z'),
      recorder: gp,
      note: 'Treated; test of cure negative',
    }),
    buildCondition(context, {
      code: PROBLEMS.asthma.code,
      display: PROBLEMS.asthma.display,
      clinicalStatus: 'active',
      category: 'problem-list-item',
      onset: at.date('1996-09-01'),
      recordedMs: at.ms('2008-01-15T10:00:00Z'),
      recorder: gp,
    }),
    buildMedicationStatement(context, {
      medication: MEDICATIONS['salbutamol-inhaler'],
      dosage: DOSAGES.puffsWhenRequired,
      status: 'active',
      category: 'community',
      start: at.date('2008-01-15'),
      assertedMs: at.ms('2026-08-30T09:00:00Z'),
      prescriber: gp,
      note: 'Repeat prescription',
    }),
    hivResult(
      context,
      at.ms('2026-07-14T10:20:00Z'),
      '20447-9',
      'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection',
      20,
      '{copies}/mL',
    ),
    hivResult(
      context,
      at.ms('2026-07-14T10:20:00Z'),
      '24467-3',
      'CD3+CD4+ (T4 helper) cells [#/volume] in Blood',
      640,
      '/uL',
    ),
    buildBloodPressureObservation(context, 122, 78, {
      effectiveMs: at.ms('2026-05-02T11:00:00Z'),
      performer: gp,
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'CHECKUP',
      service: 'Practice nurse',
      description: 'Asthma annual review',
      startMs: at.ms('2026-11-18T15:40:00Z'),
      minutes: 20,
      createdMs: at.ms('2026-10-12T08:30:00Z'),
      clinician: 'Nurse Helen Brooks',
    }),
  ];
}

export function buildRestrictedAcuteRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const sexualHealth = 'Dr Samuel Osei';
  const ed = 'Dr Chloe Barker';
  const sprain = PRESENTATIONS['ankle-sprain'];
  const clinic = buildEncounter(context, {
    encounterClass: 'AMB',
    type: 'consultation',
    service: 'Sexual health (GUM) clinic',
    status: 'finished',
    startMs: at.ms('2026-04-08T16:00:00Z'),
    endMs: at.ms('2026-04-08T16:30:00Z'),
    reason: 'Sexual health screen',
    clinician: sexualHealth,
  });
  clinic.meta = resourceMeta(context, at.ms('2026-04-08T16:30:00Z'), SEXUAL_HEALTH_LABELS);
  const emergency = buildEncounter(context, {
    encounterClass: 'EMER',
    type: 'emergency',
    service: 'Emergency Department',
    status: 'finished',
    startMs: at.ms('2025-05-10T19:15:00Z'),
    endMs: at.ms('2025-05-10T21:40:00Z'),
    reason: { code: sprain.code, display: sprain.display },
    clinician: ed,
  });
  return [
    clinic,
    buildDocumentReference(context, {
      type: 'clinicLetter',
      title: 'Sexual health clinic letter - 8 April 2026',
      text: clinicLetterText(letterHeader(context, sexualHealth, at.ms('2026-04-08T16:30:00Z')), {
        clinic: 'Sexual health',
        diagnoses: [
          'Routine sexual health screen - chlamydia and gonorrhoea NAAT negative, syphilis serology negative',
        ],
        history:
          "Asymptomatic; attends for routine screening. Shared with the GP with the patient's consent.",
        examination: 'Not examined.',
        plan: ['Repeat screen in 12 months or sooner if symptomatic'],
      }),
      dateMs: at.ms('2026-04-15T09:00:00Z'),
      author: sexualHealth,
      encounterId: clinic.id ?? '',
      security: SEXUAL_HEALTH_LABELS,
    }),
    emergency,
    buildCondition(context, {
      code: sprain.code,
      display: sprain.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: at.instant('2025-05-10T17:30:00Z'),
      abatement: at.date('2025-06-01'),
      recordedMs: at.ms('2025-05-10T20:30:00Z'),
      recorder: ed,
      encounterId: emergency.id ?? '',
    }),
    buildDocumentReference(context, {
      type: 'encounterReport',
      title: 'Emergency Department attendance - 10 May 2025',
      text: attendanceLetterText(letterHeader(context, ed, at.ms('2025-05-10T21:40:00Z')), {
        arrivedMs: at.ms('2025-05-10T19:15:00Z'),
        department: 'Emergency Department',
        presentingComplaint: sprain.complaint,
        diagnosis: 'Sprain of left ankle',
        treatment: sprain.hospitalTreatment,
        outcome: 'Discharged home with advice',
      }),
      dateMs: at.ms('2025-05-10T22:00:00Z'),
      author: ed,
      encounterId: emergency.id ?? '',
    }),
  ];
}

export function buildRestrictedMentalHealthRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const coordinator = 'Joanne Reid (CPN)';
  const depression = PROBLEMS.depression;
  const condition = buildCondition(context, {
    code: depression.code,
    display: depression.display,
    clinicalStatus: 'active',
    category: 'problem-list-item',
    onset: at.date('2021-10-01'),
    recordedMs: at.ms('2021-11-12T12:00:00Z'),
    recorder: 'Dr Peter Lindqvist',
    severity: 'moderate',
    security: MENTAL_HEALTH_LABELS,
  });
  const careTeam = buildCareTeam(context, {
    name: 'Thameside Community Mental Health Team',
    startMs: at.ms('2021-11-12T00:00:00Z'),
    members: [
      { role: 'psychiatrist', name: 'Dr Peter Lindqvist', note: 'Consultant psychiatrist' },
      { role: 'nurse', name: coordinator, note: 'Care coordinator' },
    ],
  });
  return [
    condition,
    careTeam,
    buildCarePlan(context, {
      title: 'Care Programme Approach care plan',
      category: 'Care Programme Approach',
      description: 'CPA care plan; reviewed every 6 months.',
      status: 'active',
      startMs: at.ms('2021-12-01T00:00:00Z'),
      author: coordinator,
      careTeamId: careTeam.id ?? '',
      addresses: [condition.id ?? ''],
      activities: [
        { description: 'Monthly contact with care coordinator', status: 'in-progress' },
        { description: 'Psychological therapy (CBT) - 16 sessions', status: 'in-progress' },
      ],
      security: MENTAL_HEALTH_LABELS,
    }),
    buildEncounter(context, {
      encounterClass: 'AMB',
      type: 'followUp',
      service: 'Community mental health team clinic',
      status: 'finished',
      startMs: at.ms('2026-09-30T13:00:00Z'),
      endMs: at.ms('2026-09-30T13:45:00Z'),
      clinician: coordinator,
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'FOLLOWUP',
      service: 'Community mental health team',
      description: 'Care coordinator review',
      startMs: at.ms('2026-11-04T13:00:00Z'),
      minutes: 45,
      createdMs: at.ms('2026-09-30T13:50:00Z'),
      clinician: coordinator,
    }),
  ];
}
