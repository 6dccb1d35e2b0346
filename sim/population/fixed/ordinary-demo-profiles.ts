import { createFixedDates } from '../clock';
import { ageAt } from '../draw-person';
import type { PersonProfile } from '../person-profile';
import { DEMO_PEOPLE } from './demo-people';

/**
 * The stories of the two ordinary fixed patients. Their records are written by the same node builders as
 * generated people's, from these fixed profiles and a fixed seed, so they do not change with the seed.
 */
export function objectionProfile(referenceMs: number): PersonProfile {
  const at = createFixedDates(referenceMs);
  const person = DEMO_PEOPLE.objection;
  return {
    person,
    age: ageAt(person, referenceMs),
    problems: [
      { key: 'hypertension', onsetMs: at.ms('2004-05-12') },
      { key: 'copd', onsetMs: at.ms('2015-10-20') },
      { key: 'osteoarthritis', onsetMs: at.ms('2011-03-08') },
    ],
    mentalHealthProblems: [],
    medications: [
      { key: 'amlodipine-5', dosageIndex: 0, startMs: at.ms('2004-06-01'), problem: 'hypertension' },
      { key: 'salbutamol-inhaler', dosageIndex: 0, startMs: at.ms('2015-10-20'), problem: 'copd' },
      { key: 'paracetamol-500', dosageIndex: 0, startMs: at.ms('2011-03-08'), problem: 'osteoarthritis' },
    ],
    allergies: [{ key: 'aspirin', onsetMs: at.ms('1990-06-01'), reactionIndex: 0 }],
    alerts: ['hearing-impaired'],
  };
}

export function gpAndNeighbourProfile(referenceMs: number): PersonProfile {
  const at = createFixedDates(referenceMs);
  const person = DEMO_PEOPLE.gpAndNeighbour;
  return {
    person,
    age: ageAt(person, referenceMs),
    problems: [
      { key: 'asthma', onsetMs: at.ms('2001-03-03') },
      { key: 'migraine', onsetMs: at.ms('2014-06-20') },
    ],
    mentalHealthProblems: [],
    medications: [
      { key: 'salbutamol-inhaler', dosageIndex: 0, startMs: at.ms('2001-03-03'), problem: 'asthma' },
      { key: 'beclometasone-inhaler', dosageIndex: 0, startMs: at.ms('2012-09-10'), problem: 'asthma' },
      { key: 'ibuprofen-200', dosageIndex: 0, startMs: at.ms('2014-06-20'), problem: 'migraine' },
    ],
    allergies: [{ key: 'peanut', onsetMs: at.ms('1993-08-14'), reactionIndex: 0 }],
    alerts: [],
  };
}
