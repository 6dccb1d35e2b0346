import type { Resource } from '@medplum/fhirtypes';
import { ALLERGENS } from '../catalogue/allergies';
import { clinicLetterText, longDate } from '../catalogue/letters';
import { PROBLEMS, type ProblemKey } from '../catalogue/problems';
import { PRESENTATIONS, presentationsFor } from '../catalogue/presentations';
import { buildAllergyIntolerance } from '../builders/allergy-intolerance';
import { buildAppointment } from '../builders/appointment';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import { DAY_MS, HOUR_MS, MINUTE_MS, toDate } from '../clock';
import { letterHeader } from '../letter-header';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';
import { buildUnplannedEpisode } from './acute-episodes';

/** The outpatient clinic that follows up a long-term problem. */
const CLINICS: Partial<Record<ProblemKey, string>> = {
  'type-2-diabetes': 'Diabetes and Endocrinology',
  'type-1-diabetes': 'Diabetes and Endocrinology',
  hypothyroidism: 'Diabetes and Endocrinology',
  'atrial-fibrillation': 'Cardiology',
  'heart-failure': 'Cardiology',
  'coronary-heart-disease': 'Cardiology',
  asthma: 'Respiratory Medicine',
  copd: 'Respiratory Medicine',
  'chronic-kidney-disease': 'Renal Medicine',
  osteoarthritis: 'Orthopaedics',
  'osteoarthritis-knee': 'Orthopaedics',
  'rheumatoid-arthritis': 'Rheumatology',
  epilepsy: 'Neurology',
  parkinsons: 'Neurology',
  migraine: 'Neurology',
  anaemia: 'Haematology',
};

/** A hospital trust's record of one generated person: episodes, clinic letters, allergies, bookings. */
export function buildAcuteRecord(context: RecordContext, profile: PersonProfile, random: Random): Resource[] {
  const now = context.referenceMs;
  const resources: Resource[] = [];

  const presentations = presentationsFor(profile.age).filter(
    (key) => key !== 'hypoglycaemia' || profile.problems.some((p) => p.key.includes('diabetes')),
  );
  for (let i = 0, episodes = random.int(0, 2); i < episodes; i++) {
    const key = random.pickWeighted(presentations, (k) => PRESENTATIONS[k].weight);
    const arrivedMs = now - random.int(i * 300 + 20, i * 300 + 290) * DAY_MS + random.int(0, 23) * HOUR_MS;
    resources.push(...buildUnplannedEpisode(context, profile, random, key, arrivedMs));
  }

  const followed = profile.problems.filter((p) => CLINICS[p.key] !== undefined);
  if (followed.length > 0 && (resources.length === 0 || random.chance(0.6))) {
    const problem = random.pick(followed);
    const concept = PROBLEMS[problem.key];
    const clinic = CLINICS[problem.key] ?? 'General Medicine';
    const consultant = random.pick(context.organisation.clinicians);
    const seenMs =
      Math.floor((now - random.int(10, 250) * DAY_MS) / DAY_MS) * DAY_MS +
      random.int(18, 32) * 30 * MINUTE_MS;
    const encounter = buildEncounter(context, {
      encounterClass: 'AMB',
      type: 'followUp',
      service: `${clinic} outpatient clinic`,
      status: 'finished',
      startMs: seenMs,
      endMs: seenMs + 20 * MINUTE_MS,
      reason: { code: concept.code, display: concept.display },
      clinician: consultant,
    });
    const encounterId = encounter.id ?? '';
    resources.push(
      encounter,
      buildCondition(context, {
        code: concept.code,
        display: concept.display,
        clinicalStatus: 'active',
        category: 'encounter-diagnosis',
        onset: toDate(problem.onsetMs),
        recordedMs: seenMs + HOUR_MS,
        recorder: consultant,
        encounterId,
      }),
      buildDocumentReference(context, {
        type: 'clinicLetter',
        title: `${clinic} clinic letter - ${longDate(seenMs)}`,
        text: clinicLetterText(letterHeader(context, consultant, seenMs), {
          clinic,
          diagnoses: [`${concept.display} (since ${toDate(problem.onsetMs).slice(0, 4)})`],
          history: 'Reviewed symptoms and current treatment. No new concerns raised.',
          examination: random.pick([
            'Unremarkable.',
            'Observations within normal limits.',
            'As previously documented.',
          ]),
          plan: random.pick([
            ['Continue current treatment', 'Review in clinic in 12 months'],
            ['Increase treatment as discussed', 'Repeat bloods with GP in 3 months'],
            ['Discharged back to GP care'],
          ]),
        }),
        dateMs: seenMs + random.int(2, 10) * DAY_MS,
        author: consultant,
        encounterId,
      }),
    );
    if (random.chance(0.5)) {
      const startMs =
        Math.floor((now + random.int(7, 120) * DAY_MS) / DAY_MS) * DAY_MS +
        random.int(18, 32) * 30 * MINUTE_MS;
      resources.push(
        buildAppointment(context, {
          status: 'booked',
          appointmentType: 'FOLLOWUP',
          service: `${clinic} outpatient clinic`,
          description: `${clinic} follow-up`,
          startMs,
          minutes: 20,
          createdMs: seenMs + DAY_MS,
          clinician: consultant,
          location: `${clinic} Outpatients, Riverside Hospital`,
        }),
      );
    }
  }

  if (resources.length === 0) {
    // Everyone a hospital knows has been there at least once.
    const key = random.pickWeighted(presentations, (k) => PRESENTATIONS[k].weight);
    resources.push(
      ...buildUnplannedEpisode(context, profile, random, key, now - random.int(20, 900) * DAY_MS),
    );
  }

  for (const allergy of profile.allergies) {
    if (!random.chance(0.6)) continue;
    resources.push(
      buildAllergyIntolerance(context, {
        allergen: ALLERGENS[allergy.key],
        reactionIndex: allergy.reactionIndex,
        clinicalStatus: 'active',
        verificationStatus: 'unconfirmed',
        onset: toDate(allergy.onsetMs),
        recordedMs: now - random.int(30, 900) * DAY_MS,
        note: 'Reported by patient on admission',
      }),
    );
  }
  return resources;
}
