import type { Resource } from '@medplum/fhirtypes';
import { attendanceLetterText, dischargeSummaryText, longDate } from '../catalogue/letters';
import { MEDICATIONS } from '../catalogue/medications';
import { PATHOLOGY_PANELS, PATHOLOGY_TESTS } from '../catalogue/pathology';
import { PRESENTATIONS, type PresentationKey } from '../catalogue/presentations';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { buildMedicationStatement } from '../builders/medication-statement';
import { buildLabObservation } from '../builders/observation';
import { DAY_MS, HOUR_MS, MINUTE_MS, toDate, toInstant } from '../clock';
import { drawLabValue } from '../draw-lab-value';
import { letterHeader } from '../letter-header';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';

/**
 * One unplanned hospital episode: the encounter (emergency, or inpatient when admitted), the diagnosis, the
 * bloods taken on arrival, and the letter the GP receives (discharge summary or ED attendance letter).
 */
export function buildUnplannedEpisode(
  context: RecordContext,
  profile: PersonProfile,
  random: Random,
  presentationKey: PresentationKey,
  arrivedMs: number,
): Resource[] {
  const presentation = PRESENTATIONS[presentationKey];
  const doctor = random.pick(context.organisation.clinicians);
  const problemKeys = profile.problems.map((p) => p.key);
  const admitted = presentation.admitted;
  const leftMs = admitted
    ? arrivedMs + random.int(2, 9) * DAY_MS + random.int(1, 6) * HOUR_MS
    : arrivedMs + random.int(150, 460) * MINUTE_MS;
  const encounter = buildEncounter(context, {
    encounterClass: admitted ? 'IMP' : 'EMER',
    type: admitted ? 'admission' : 'emergency',
    service: admitted ? presentation.ward : 'Emergency Department',
    status: 'finished',
    startMs: arrivedMs,
    endMs: leftMs,
    reason: { code: presentation.code, display: presentation.display },
    clinician: doctor,
    dischargeDisposition: admitted ? 'Discharged home' : 'Discharged - GP follow-up if needed',
  });
  const encounterId = encounter.id ?? '';
  const resources: Resource[] = [encounter];

  resources.push(
    buildCondition(context, {
      code: presentation.code,
      display: presentation.display,
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
      onset: toInstant(arrivedMs),
      abatement: toDate(leftMs),
      recordedMs: arrivedMs + 3 * HOUR_MS,
      recorder: doctor,
      encounterId,
    }),
  );

  const results: string[] = [];
  const takenMs = arrivedMs + random.int(20, 90) * MINUTE_MS;
  for (const panel of presentation.panels) {
    for (const key of PATHOLOGY_PANELS[panel]) {
      const test = PATHOLOGY_TESTS[key];
      const observation = buildLabObservation(
        context,
        test,
        drawLabValue(random, key, problemKeys, presentation.physiology),
        { effectiveMs: takenMs, issuedMs: takenMs + random.int(45, 150) * MINUTE_MS, encounterId },
      );
      resources.push(observation);
      results.push(
        `${test.display.split(' [')[0] ?? test.display}: ${observation.valueQuantity?.value} ${test.unit}`,
      );
    }
  }

  const dischargeMedicines: string[] = [];
  if (admitted) {
    for (const medication of random.sample(profile.medications, random.int(1, 3))) {
      const concept = MEDICATIONS[medication.key];
      const dosage = concept.dosages[medication.dosageIndex] ?? concept.dosages[0]!;
      dischargeMedicines.push(`${concept.display} - ${dosage.text}`);
      resources.push(
        buildMedicationStatement(context, {
          medication: concept,
          dosage,
          status: 'active',
          category: 'inpatient',
          start: toDate(arrivedMs),
          assertedMs: leftMs - HOUR_MS,
          prescriber: doctor,
          note: 'Medicines on discharge',
        }),
      );
    }
  }

  const header = letterHeader(context, doctor, leftMs);
  const text = admitted
    ? dischargeSummaryText(header, {
        admittedMs: arrivedMs,
        dischargedMs: leftMs,
        ward: presentation.ward,
        presentingComplaint: presentation.complaint,
        diagnoses: [presentation.display],
        investigations: results,
        medications: dischargeMedicines,
        followUp: random.pick(['None required', 'Outpatient clinic in 6 weeks', 'GP review in 2 weeks']),
        gpActions: random.pick([
          [],
          ['Repeat bloods in 2 weeks'],
          ['Review blood pressure', 'Check renal function'],
        ]),
      })
    : attendanceLetterText(header, {
        arrivedMs,
        department: 'Emergency Department',
        presentingComplaint: presentation.complaint,
        diagnosis: presentation.display,
        treatment: presentation.hospitalTreatment,
        outcome: 'Discharged home with advice',
      });
  resources.push(
    buildDocumentReference(context, {
      type: admitted ? 'dischargeSummary' : 'encounterReport',
      title: admitted
        ? `Discharge summary - ${presentation.ward} - ${longDate(leftMs)}`
        : `Emergency Department attendance - ${longDate(arrivedMs)}`,
      text,
      dateMs: leftMs + random.int(1, 20) * HOUR_MS,
      author: doctor,
      encounterId,
      periodStartMs: arrivedMs,
      periodEndMs: leftMs,
    }),
  );
  return resources;
}
