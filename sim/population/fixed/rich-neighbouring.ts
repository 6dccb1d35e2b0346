import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { DOSAGES } from '../catalogue/dosages';
import { attendanceLetterText, clinicLetterText, dischargeSummaryText } from '../catalogue/letters';
import { MEDICATIONS } from '../catalogue/medications';
import { PROBLEMS } from '../catalogue/problems';
import { PRESENTATIONS } from '../catalogue/presentations';
import { buildAllergyIntolerance } from '../builders/allergy-intolerance';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { buildMedicationStatement } from '../builders/medication-statement';
import { createFixedDates } from '../clock';
import { letterHeader } from '../letter-header';
import type { RecordContext } from '../record-context';
import { RICH_DUPLICATES } from './rich-duplicates';

const UTC = 'Dr Oliver Grey';
const WARD = 'Dr Ruth Ansah';
const OOH = 'Dr Hannah Liu';

/**
 * Amelia Clarke in the neighbouring region's record: a cellulitis admission while visiting family
 * (2024-02), an urgent treatment centre visit (2025-07) and an out-of-hours call (2026-01), plus the history
 * that region copied: type 2 diabetes and her penicillin allergy (duplicates of the GP's).
 */
export function buildRichNeighbouringRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const { diabetes, penicillin } = RICH_DUPLICATES;
  const cellulitis = PRESENTATIONS.cellulitis;
  const sprain = PRESENTATIONS['ankle-sprain'];

  const admission = buildEncounter(context, {
    encounterClass: 'IMP',
    type: 'admission',
    service: 'Westvale General Hospital - Medical Ward 2',
    status: 'finished',
    startMs: at.ms('2024-02-03T18:40:00Z'),
    endMs: at.ms('2024-02-06T12:00:00Z'),
    reason: { code: cellulitis.code, display: cellulitis.display },
    clinician: WARD,
    dischargeDisposition: 'Discharged home (returned to Northbrook)',
  });
  const utc = buildEncounter(context, {
    encounterClass: 'EMER',
    type: { text: 'Urgent treatment centre attendance' },
    service: 'Westvale Urgent Treatment Centre',
    status: 'finished',
    startMs: at.ms('2025-07-18T16:20:00Z'),
    endMs: at.ms('2025-07-18T18:05:00Z'),
    reason: { code: sprain.code, display: sprain.display },
    clinician: UTC,
  });
  const outOfHours = buildEncounter(context, {
    encounterClass: 'VR',
    type: 'telephone',
    service: 'Westvale GP out-of-hours service',
    status: 'finished',
    startMs: at.ms('2026-01-05T21:10:00Z'),
    endMs: at.ms('2026-01-05T21:25:00Z'),
    reason: 'Wheeze and cough while staying with family',
    clinician: OOH,
  });
  const [admissionId, utcId, oohId] = [admission.id ?? '', utc.id ?? '', outOfHours.id ?? ''];

  return [
    admission,
    utc,
    outOfHours,
    buildCondition(context, {
      code: PROBLEMS[diabetes.problem].code,
      display: PROBLEMS[diabetes.problem].display,
      clinicalStatus: 'active',
      category: 'problem-list-item',
      onset: at.date(diabetes.onset),
      recordedMs: at.ms('2024-02-04T09:00:00Z'),
      recorder: WARD,
      note: 'From GP summary care record',
    }),
    buildCondition(context, {
      code: '34713006',
      display: 'Vitamin D deficiency',
      clinicalStatus: 'active',
      category: 'problem-list-item',
      onset: at.date('2024-02-05'),
      recordedMs: at.ms('2024-02-05T15:00:00Z'),
      recorder: WARD,
    }),
    buildCondition(context, {
      code: cellulitis.code,
      display: cellulitis.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: at.date('2024-02-02'),
      abatement: at.date('2024-02-20'),
      recordedMs: at.ms('2024-02-03T21:00:00Z'),
      recorder: WARD,
      encounterId: admissionId,
    }),
    buildCondition(context, {
      code: sprain.code,
      display: sprain.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: at.instant('2025-07-18T14:00:00Z'),
      abatement: at.date('2025-08-10'),
      recordedMs: at.ms('2025-07-18T17:30:00Z'),
      recorder: UTC,
      encounterId: utcId,
    }),

    buildMedicationStatement(context, {
      medication: MEDICATIONS['lisinopril-10'],
      dosage: DOSAGES.oneDaily,
      status: 'stopped',
      category: 'patientspecified',
      start: at.date('2009-02-20'),
      end: at.date('2010-05-30'),
      assertedMs: at.ms('2024-02-04T09:00:00Z'),
      note: 'Stopped: ACE inhibitor cough (history from patient)',
    }),
    buildMedicationStatement(context, {
      medication: MEDICATIONS['terbinafine-250'],
      dosage: DOSAGES.oneDaily,
      status: 'completed',
      category: 'outpatient',
      start: at.date('2024-02-06'),
      end: at.date('2024-04-30'),
      assertedMs: at.ms('2024-02-06T11:00:00Z'),
      prescriber: WARD,
      note: 'Fungal toenail infection (portal of entry for cellulitis)',
    }),
    buildMedicationStatement(context, {
      medication: MEDICATIONS['ibuprofen-200'],
      dosage: DOSAGES.ibuprofenWhenRequired,
      status: 'completed',
      category: 'outpatient',
      start: at.date('2025-07-18'),
      end: at.date('2025-07-25'),
      assertedMs: at.ms('2025-07-18T17:45:00Z'),
      prescriber: UTC,
    }),

    buildAllergyIntolerance(context, {
      allergen: ALLERGENS[penicillin.allergen],
      reactionIndex: penicillin.reactionIndex,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      onset: at.date(penicillin.onset),
      recordedMs: at.ms('2024-02-03T19:10:00Z'),
      recorder: WARD,
    }),
    buildAllergyIntolerance(context, {
      allergen: ALLERGENS.latex,
      reactionIndex: 0,
      clinicalStatus: 'active',
      verificationStatus: 'unconfirmed',
      onset: at.date('2024-02-04'),
      recordedMs: at.ms('2024-02-04T10:30:00Z'),
      recorder: WARD,
      note: 'Urticaria under latex gloves on the ward; not yet tested',
    }),

    buildDocumentReference(context, {
      type: 'loincDischargeSummary',
      title: 'Discharge summary - Westvale General Hospital - 6 February 2024',
      text: dischargeSummaryText(letterHeader(context, WARD, at.ms('2024-02-06T12:00:00Z')), {
        admittedMs: at.ms('2024-02-03T18:40:00Z'),
        dischargedMs: at.ms('2024-02-06T12:00:00Z'),
        ward: 'Medical Ward 2',
        presentingComplaint: cellulitis.complaint,
        diagnoses: ['Cellulitis of left lower leg', 'Onychomycosis', 'Vitamin D deficiency'],
        investigations: ['CRP 96 mg/L', 'WCC 13.1 x10^9/L'],
        medications: ['Terbinafine 250mg tablets - One tablet once a day for 12 weeks'],
        followUp: 'GP review of leg in one week',
        gpActions: ['Start vitamin D replacement', 'Check HbA1c'],
      }),
      dateMs: at.ms('2024-02-06T15:00:00Z'),
      author: WARD,
      encounterId: admissionId,
      periodStartMs: at.ms('2024-02-03T18:40:00Z'),
      periodEndMs: at.ms('2024-02-06T12:00:00Z'),
    }),
    buildDocumentReference(context, {
      type: 'loincConsultNote',
      title: 'Urgent treatment centre letter - 18 July 2025',
      text: attendanceLetterText(letterHeader(context, UTC, at.ms('2025-07-18T18:05:00Z')), {
        arrivedMs: at.ms('2025-07-18T16:20:00Z'),
        department: 'Westvale Urgent Treatment Centre',
        presentingComplaint: 'Twisted right ankle stepping off a kerb',
        diagnosis: 'Sprain of right ankle (Ottawa negative)',
        treatment: 'Ibuprofen, compression, advice',
        outcome: 'Discharged; letter copied to registered GP',
      }),
      dateMs: at.ms('2025-07-18T19:00:00Z'),
      author: UTC,
      encounterId: utcId,
    }),
    buildDocumentReference(context, {
      type: 'loincConsultNote',
      title: 'Out-of-hours consultation - 5 January 2026',
      text: clinicLetterText(letterHeader(context, OOH, at.ms('2026-01-05T21:25:00Z')), {
        clinic: 'GP out-of-hours',
        diagnoses: ['Viral upper respiratory tract infection', 'Asthma'],
        history: 'Two days of cough and wheeze; using salbutamol four times a day; no fever.',
        examination: 'Telephone assessment: speaking full sentences.',
        plan: ['Continue inhalers', 'Contact own GP if not improving in 48 hours'],
      }),
      dateMs: at.ms('2026-01-05T21:40:00Z'),
      author: OOH,
      encounterId: oohId,
    }),
  ];
}
