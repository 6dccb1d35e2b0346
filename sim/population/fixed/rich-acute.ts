import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { DOSAGES } from '../catalogue/dosages';
import { attendanceLetterText, clinicLetterText, dischargeSummaryText } from '../catalogue/letters';
import { MEDICATIONS } from '../catalogue/medications';
import { PATHOLOGY_TESTS, type PathologyKey } from '../catalogue/pathology';
import { PROBLEMS } from '../catalogue/problems';
import { PRESENTATIONS } from '../catalogue/presentations';
import { buildAllergyIntolerance } from '../builders/allergy-intolerance';
import { buildAppointment } from '../builders/appointment';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { buildMedicationStatement } from '../builders/medication-statement';
import { buildLabObservation } from '../builders/observation';
import { createFixedDates } from '../clock';
import { letterHeader } from '../letter-header';
import type { RecordContext } from '../record-context';
import { RICH_DUPLICATES, RICH_NEAR_MISSES } from './rich-duplicates';

const MEDICAL = 'Dr Fiona Grant';
const DIABETES = 'Dr Alan Moss';
const ED = 'Dr Chloe Barker';

/**
 * Amelia Clarke's hospital record: an ED attendance after a fall (2025-12-20), a diabetes clinic
 * (2026-03-03) and an admission with community acquired pneumonia (2026-09-12 to 2026-09-16).
 */
export function buildRichAcuteRecord(context: RecordContext): Resource[] {
  const at = createFixedDates(context.referenceMs);
  const { metformin, penicillin, hba1c } = RICH_DUPLICATES;
  const { amlodipine, diabetesOnsetAtAcute } = RICH_NEAR_MISSES;
  const pneumonia = PRESENTATIONS.pneumonia;
  const fall = PRESENTATIONS.fall;
  const diabetes = PROBLEMS['type-2-diabetes'];

  const emergency = buildEncounter(context, {
    encounterClass: 'EMER',
    type: 'emergency',
    service: 'Emergency Department',
    status: 'finished',
    startMs: at.ms('2025-12-20T14:10:00Z'),
    endMs: at.ms('2025-12-20T19:40:00Z'),
    reason: { code: fall.code, display: fall.display },
    clinician: ED,
    dischargeDisposition: 'Discharged home with falls clinic referral',
  });
  const clinic = buildEncounter(context, {
    encounterClass: 'AMB',
    type: 'followUp',
    service: 'Diabetes and Endocrinology outpatient clinic',
    status: 'finished',
    startMs: at.ms('2026-03-03T10:30:00Z'),
    endMs: at.ms('2026-03-03T10:50:00Z'),
    reason: { code: diabetes.code, display: diabetes.display },
    clinician: DIABETES,
  });
  const admission = buildEncounter(context, {
    encounterClass: 'IMP',
    type: 'admission',
    service: pneumonia.ward,
    status: 'finished',
    startMs: at.ms('2026-09-12T11:25:00Z'),
    endMs: at.ms('2026-09-16T15:00:00Z'),
    reason: { code: pneumonia.code, display: pneumonia.display },
    clinician: MEDICAL,
    dischargeDisposition: 'Discharged home',
  });
  const [emergencyId, clinicId, admissionId] = [emergency.id ?? '', clinic.id ?? '', admission.id ?? ''];

  const lab = (
    key: PathologyKey,
    value: number,
    taken: string,
    issued: string,
    encounterId: string,
  ): Resource =>
    buildLabObservation(context, PATHOLOGY_TESTS[key], value, {
      effectiveMs: at.ms(taken),
      issuedMs: at.ms(issued),
      encounterId,
    });
  const arrival = ['2026-09-12T12:05:00Z', '2026-09-12T13:20:00Z'] as const;

  const discharge = (
    medication: 'metformin-500' | 'amlodipine-5' | 'paracetamol-500',
    start: string,
  ): Resource => {
    const dosage =
      medication === 'metformin-500'
        ? metformin.dosage
        : medication === 'amlodipine-5'
          ? amlodipine.acuteDosage
          : DOSAGES.paracetamolWhenRequired;
    return buildMedicationStatement(context, {
      medication: MEDICATIONS[medication],
      dosage,
      status: 'active',
      category: 'inpatient',
      start: at.date(start),
      assertedMs: at.ms('2026-09-16T13:30:00Z'),
      prescriber: MEDICAL,
      note:
        medication === 'amlodipine-5'
          ? 'Medicines on discharge - amlodipine increased to 10 mg daily (blood pressure 168/94 on ward)'
          : 'Medicines on discharge',
    });
  };

  return [
    emergency,
    clinic,
    admission,
    buildCondition(context, {
      code: fall.code,
      display: fall.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: at.instant('2025-12-20T12:45:00Z'),
      abatement: at.date('2025-12-20'),
      recordedMs: at.ms('2025-12-20T16:00:00Z'),
      recorder: ED,
      encounterId: emergencyId,
    }),
    buildCondition(context, {
      code: diabetes.code,
      display: diabetes.display,
      clinicalStatus: 'active',
      category: 'encounter-diagnosis',
      onset: at.date(diabetesOnsetAtAcute),
      recordedMs: at.ms('2026-03-03T10:50:00Z'),
      recorder: DIABETES,
      encounterId: clinicId,
    }),
    buildCondition(context, {
      code: pneumonia.code,
      display: pneumonia.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: at.date('2026-09-09'),
      abatement: at.date('2026-09-16'),
      recordedMs: at.ms('2026-09-12T14:00:00Z'),
      recorder: MEDICAL,
      encounterId: admissionId,
      severity: 'moderate',
    }),

    discharge('metformin-500', metformin.start),
    discharge('amlodipine-5', amlodipine.start),
    discharge('paracetamol-500', '2026-09-12'),

    buildAllergyIntolerance(context, {
      allergen: ALLERGENS[penicillin.allergen],
      reactionIndex: penicillin.reactionIndex,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      onset: at.date(penicillin.onset),
      recordedMs: at.ms('2025-12-20T14:30:00Z'),
      recorder: ED,
      note: 'Rash with penicillin as a young adult; confirmed with GP record',
    }),

    lab('haemoglobin', 124, arrival[0], arrival[1], admissionId),
    lab('wbc', 15.8, arrival[0], arrival[1], admissionId),
    lab('platelets', 312, arrival[0], arrival[1], admissionId),
    lab('mcv', 88, arrival[0], arrival[1], admissionId),
    lab('sodium', 134, arrival[0], arrival[1], admissionId),
    lab('potassium', 4.2, arrival[0], arrival[1], admissionId),
    lab('urea', 9.6, arrival[0], arrival[1], admissionId),
    lab('creatinine', 131, arrival[0], arrival[1], admissionId),
    lab('egfr', 39, arrival[0], arrival[1], admissionId),
    lab('crp', 168, arrival[0], arrival[1], admissionId),
    lab('crp', 41, '2026-09-15T07:30:00Z', '2026-09-15T10:05:00Z', admissionId),
    lab(hba1c.test, hba1c.value, hba1c.effective, hba1c.issued, admissionId),

    buildDocumentReference(context, {
      type: 'encounterReport',
      title: 'Emergency Department attendance - 20 December 2025',
      text: attendanceLetterText(letterHeader(context, ED, at.ms('2025-12-20T19:40:00Z')), {
        arrivedMs: at.ms('2025-12-20T14:10:00Z'),
        department: 'Emergency Department',
        presentingComplaint:
          'Found on the kitchen floor after a fall; no head injury; able to stand with help',
        diagnosis: 'Fall - mechanical; soft tissue bruising left hip, no fracture on X-ray',
        treatment: 'X-ray left hip (no fracture), analgesia, physiotherapy assessment',
        outcome: 'Discharged home; referred to community falls clinic',
      }),
      dateMs: at.ms('2025-12-20T20:15:00Z'),
      author: ED,
      encounterId: emergencyId,
      periodStartMs: at.ms('2025-12-20T14:10:00Z'),
      periodEndMs: at.ms('2025-12-20T19:40:00Z'),
    }),
    buildDocumentReference(context, {
      type: 'clinicLetter',
      title: 'Diabetes and Endocrinology clinic letter - 3 March 2026',
      text: clinicLetterText(letterHeader(context, DIABETES, at.ms('2026-03-03T10:50:00Z')), {
        clinic: 'Diabetes and Endocrinology',
        diagnoses: ['Type 2 diabetes mellitus', 'Chronic kidney disease stage 3a', 'Hypertension'],
        history: 'HbA1c 61 mmol/mol, down from 63. No hypoglycaemia. Mild peripheral neuropathy symptoms.',
        examination: 'BP 144/86. Feet: reduced monofilament sensation left forefoot, pulses present.',
        plan: ['Continue metformin 500 mg twice daily', 'Podiatry referral', 'Review in clinic in 6 months'],
      }),
      dateMs: at.ms('2026-03-06T09:00:00Z'),
      author: DIABETES,
      encounterId: clinicId,
    }),
    buildDocumentReference(context, {
      type: 'dischargeSummary',
      title: 'Discharge summary - Respiratory Ward 7 - 16 September 2026',
      text: dischargeSummaryText(letterHeader(context, MEDICAL, at.ms('2026-09-16T15:00:00Z')), {
        admittedMs: at.ms('2026-09-12T11:25:00Z'),
        dischargedMs: at.ms('2026-09-16T15:00:00Z'),
        ward: pneumonia.ward,
        presentingComplaint: pneumonia.complaint,
        diagnoses: [
          'Community acquired pneumonia, right lower lobe (CURB-65 score 2)',
          'Acute kidney injury stage 1, resolving',
        ],
        investigations: [
          'CRP 168 mg/L falling to 41 mg/L',
          'WCC 15.8 x10^9/L',
          'eGFR 39 (baseline 48)',
          'HbA1c 58 mmol/mol',
        ],
        medications: [
          'Metformin 500mg tablets - One tablet twice a day with meals (unchanged)',
          'Amlodipine 5mg tablets - Two tablets once a day (INCREASED from one tablet)',
          'Paracetamol 500mg tablets - Two tablets up to four times a day when required',
          'Antibiotics completed in hospital (doxycycline: penicillin allergic)',
        ],
        followUp: 'Respiratory clinic with chest X-ray in 6-8 weeks',
        gpActions: ['Repeat U&E in 1-2 weeks', 'Review blood pressure on amlodipine 10 mg'],
      }),
      dateMs: at.ms('2026-09-16T16:30:00Z'),
      author: MEDICAL,
      pdf: true,
      encounterId: admissionId,
      periodStartMs: at.ms('2026-09-12T11:25:00Z'),
      periodEndMs: at.ms('2026-09-16T15:00:00Z'),
    }),

    buildAppointment(context, {
      status: 'fulfilled',
      appointmentType: 'FOLLOWUP',
      service: 'Diabetes and Endocrinology outpatient clinic',
      description: 'Diabetes follow-up',
      startMs: at.ms('2026-03-03T10:30:00Z'),
      minutes: 20,
      createdMs: at.ms('2025-09-10T12:00:00Z'),
      clinician: DIABETES,
      location: 'Diabetes Centre, Riverside Hospital',
    }),
    buildAppointment(context, {
      status: 'booked',
      appointmentType: 'FOLLOWUP',
      service: 'Respiratory Medicine outpatient clinic',
      description: 'Post-pneumonia review with chest X-ray',
      startMs: at.ms('2026-11-20T10:30:00Z'),
      minutes: 20,
      createdMs: at.ms('2026-09-16T14:00:00Z'),
      clinician: 'Dr Samuel Osei',
      location: 'Respiratory Outpatients, Riverside Hospital',
    }),
  ];
}
