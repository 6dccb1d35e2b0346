import type { Resource } from '@medplum/fhirtypes';
import { withLabReports } from '../builders/diagnostic-report';
import { buildEmergencyPlan, buildResuscitationFlag } from '../builders/emergency-plan';
import { buildEpisodeOfCare } from '../builders/episode-of-care';
import { buildProcedure } from '../builders/procedure';
import { buildRelatedPerson } from '../builders/related-person';
import { createFixedDates } from '../clock';
import { organisationReference } from '../organisations';
import type { RecordContext } from '../record-context';

const MEDICAL = 'Dr Fiona Grant';
const DAUGHTER = { given: 'Sophie', family: 'Clarke', phone: '07700 900456' } as const;

/**
 * Amelia Clarke's hospital record beyond its encounters and results: the pathology reports her results
 * were filed in, a past operation, her daughter as next of kin, and the ReSPECT plan and resuscitation
 * decision made during the pneumonia admission.
 */
export function withRichAcuteWholeRecord(context: RecordContext, record: readonly Resource[]): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const admissionId = record.find(
    (r) => r.resourceType === 'Encounter' && r.period?.start?.startsWith('2026-09-12'),
  )?.id;
  return [
    ...withLabReports(context, record, {
      laboratory: { ...organisationReference(context.organisation), display: 'Riverside Pathology' },
      conclusions: {
        'inflammation@2026-09-12T12:05:00Z': 'Markedly raised CRP, in keeping with the clinical picture.',
      },
    }),
    buildProcedure(context, {
      code: { code: '45595009', display: 'Laparoscopic cholecystectomy' },
      bodySite: { code: '28231008', display: 'Gallbladder structure' },
      performedMs: at.ms('2014-05-21T10:00:00Z'),
      surgeon: 'Mr David Ellis',
      location: 'Day Surgery Theatres, Riverside Hospital',
      outcome: 'Uncomplicated; discharged the same day',
      note: 'Symptomatic gallstones',
    }),
    buildRelatedPerson(context, {
      ...DAUGHTER,
      relationships: ['daughter', 'nextOfKin'],
      sinceMs: at.ms('2025-12-20T14:30:00Z'),
    }),
    buildEmergencyPlan(context, {
      category: 'respect',
      title: 'ReSPECT form',
      description:
        'Recommended Summary Plan for Emergency Care and Treatment, agreed with Amelia and her daughter Sophie.',
      recommendations: [
        'Focus on active treatment including hospital admission; not for intensive care',
        'CPR attempts NOT recommended',
        'Discuss with daughter Sophie (next of kin) on 07700 900456',
      ],
      startMs: at.ms('2026-09-15T16:00:00Z'),
      author: MEDICAL,
      ...(admissionId ? { encounterId: admissionId } : {}),
    }),
    buildResuscitationFlag(context, {
      decision: 'notForCpr',
      text: 'Do not attempt cardiopulmonary resuscitation (DNACPR) - see ReSPECT form 15/09/2026',
      startMs: at.ms('2026-09-15T16:00:00Z'),
      author: MEDICAL,
    }),
  ];
}

/** Amelia Clarke's episodes with the mental health trust's services, and her daughter as her carer. */
export function withRichMentalHealthWholeRecord(
  context: RecordContext,
  record: readonly Resource[],
): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const depressionId = record.find(
    (r) => r.resourceType === 'Condition' && r.code?.coding?.some((c) => c.code === '66344007'),
  )?.id;
  return [
    ...record,
    buildEpisodeOfCare(context, {
      service: 'camhs',
      team: 'Thameside Child and Family Consultation Service',
      referredBy: 'School doctor',
      startMs: at.ms('1971-10-04T00:00:00Z'),
      endMs: at.ms('1972-07-21T00:00:00Z'),
    }),
    buildEpisodeOfCare(context, {
      service: 'drug-alcohol',
      team: 'Thameside Drug and Alcohol Service',
      careCoordinator: 'Ravi Patel (Recovery Worker)',
      referredBy: 'Dr Sarah Okafor (GP)',
      startMs: at.ms('2024-03-11T00:00:00Z'),
      endMs: at.ms('2024-11-29T00:00:00Z'),
    }),
    buildEpisodeOfCare(context, {
      service: 'community-mental-health',
      team: 'Northbrook Older Adults Community Mental Health Team',
      careCoordinator: 'Joanne Reid (CPN)',
      referredBy: 'Dr Sarah Okafor (GP)',
      startMs: at.ms('2019-06-03T00:00:00Z'),
      ...(depressionId ? { conditionIds: [depressionId] } : {}),
    }),
    buildRelatedPerson(context, {
      ...DAUGHTER,
      relationships: ['daughter', 'carer', 'attorney'],
      sinceMs: at.ms('2019-06-10T00:00:00Z'),
    }),
  ];
}
