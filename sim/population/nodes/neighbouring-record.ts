import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { attendanceLetterText, longDate } from '../catalogue/letters';
import { MEDICATIONS } from '../catalogue/medications';
import { PROBLEMS } from '../catalogue/problems';
import { PRESENTATIONS, presentationsFor } from '../catalogue/presentations';
import { buildAllergyIntolerance } from '../builders/allergy-intolerance';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { buildMedicationStatement } from '../builders/medication-statement';
import { DAY_MS, HOUR_MS, MINUTE_MS, toDate, toInstant } from '../clock';
import { letterHeader } from '../letter-header';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';

/**
 * A neighbouring region's shared record: what its own providers saw (urgent care visits) and what they
 * copied from the person's history (some problems, medicines and allergies).
 */
export function buildNeighbouringRecord(
  context: RecordContext,
  profile: PersonProfile,
  random: Random,
): Resource[] {
  const now = context.referenceMs;
  const clinician = (): string => random.pick(context.organisation.clinicians);
  const resources: Resource[] = [];

  for (let i = 0, visits = random.int(1, 2); i < visits; i++) {
    const key = random.pickWeighted(presentationsFor(profile.age), (k) => PRESENTATIONS[k].weight);
    const presentation = PRESENTATIONS[key];
    const arrivedMs = now - random.int(i * 500 + 10, i * 500 + 490) * DAY_MS + random.int(8, 21) * HOUR_MS;
    const leftMs = arrivedMs + random.int(60, 240) * MINUTE_MS;
    const doctor = clinician();
    const encounter = buildEncounter(context, {
      encounterClass: 'EMER',
      type: { text: 'Urgent treatment centre attendance' },
      service: 'Westvale Urgent Treatment Centre',
      status: 'finished',
      startMs: arrivedMs,
      endMs: leftMs,
      reason: { code: presentation.code, display: presentation.display },
      clinician: doctor,
    });
    const encounterId = encounter.id ?? '';
    resources.push(
      encounter,
      buildCondition(context, {
        code: presentation.code,
        display: presentation.display,
        clinicalStatus: 'resolved',
        category: 'encounter-diagnosis',
        onset: toInstant(arrivedMs),
        abatement: toDate(leftMs),
        recordedMs: leftMs,
        recorder: doctor,
        encounterId,
      }),
      buildDocumentReference(context, {
        type: 'loincConsultNote',
        title: `Urgent treatment centre letter - ${longDate(arrivedMs)}`,
        text: attendanceLetterText(letterHeader(context, doctor, leftMs), {
          arrivedMs,
          department: 'Westvale Urgent Treatment Centre',
          presentingComplaint: presentation.complaint,
          diagnosis: presentation.display,
          treatment: presentation.hospitalTreatment,
          outcome: 'Discharged; letter copied to registered GP',
        }),
        dateMs: leftMs + HOUR_MS,
        author: doctor,
        encounterId,
        periodStartMs: arrivedMs,
        periodEndMs: leftMs,
      }),
    );
  }

  for (const problem of profile.problems) {
    if (!random.chance(0.5)) continue;
    const concept = PROBLEMS[problem.key];
    resources.push(
      buildCondition(context, {
        code: concept.code,
        display: concept.display,
        clinicalStatus: concept.kind === 'past-event' ? 'inactive' : 'active',
        category: 'problem-list-item',
        // Copied histories often carry only the year the person remembers.
        onset: random.chance(0.5) ? toDate(problem.onsetMs) : toDate(problem.onsetMs).slice(0, 4),
        recordedMs: now - random.int(30, 1200) * DAY_MS,
        recorder: clinician(),
      }),
    );
  }

  for (const medication of profile.medications) {
    if (!random.chance(0.4)) continue;
    const concept = MEDICATIONS[medication.key];
    resources.push(
      buildMedicationStatement(context, {
        medication: concept,
        dosage: concept.dosages[medication.dosageIndex] ?? concept.dosages[0]!,
        status: 'active',
        category: 'patientspecified',
        start: toDate(medication.startMs),
        assertedMs: now - random.int(30, 600) * DAY_MS,
        note: 'Medication history taken from patient',
      }),
    );
  }

  for (const allergy of profile.allergies) {
    if (!random.chance(0.5)) continue;
    resources.push(
      buildAllergyIntolerance(context, {
        allergen: ALLERGENS[allergy.key],
        reactionIndex: allergy.reactionIndex,
        clinicalStatus: 'active',
        verificationStatus: 'unconfirmed',
        onset: toDate(allergy.onsetMs),
        recordedMs: now - random.int(30, 600) * DAY_MS,
        recorder: clinician(),
      }),
    );
  }
  return resources;
}
