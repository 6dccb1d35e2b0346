import type { Resource } from '@medplum/fhirtypes';
import type { SourceOutcome } from '../../core/source-contract';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import { populationOutcomes, populationSources } from '../../bench/population-outcomes';
import { loadConfig } from '../../config/load-config';
import { DEMO_CONFIG_FILE } from '../../sim/region-config';
import { generatePopulation } from '../../sim/population/generate-population';
import { EarlyContributions, type ContributionSetup } from './early-contributions';
import { mergeView, type MergeInput } from './merge-view';

const SOURCES = populationSources();
const SENSITIVE_DATA = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} }).sensitiveData;
const NOW = new Date('2026-11-01T09:00:00Z');

/** A small seeded generator, so a failing case can be replayed from its seed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * One person's outcomes as sources misbehave: another patient's item slipped in, a patient with another
 * date of birth (the demographic cross-check excludes that source), an item tagged with an origin the
 * patient objects to.
 */
function misbehaving(
  outcomes: SourceOutcome[],
  donor: Resource | undefined,
  random: () => number,
): SourceOutcome[] {
  const okIndexes = outcomes.flatMap((o, i) => (o.status === 'ok' ? [i] : []));
  return outcomes.map((o, i): SourceOutcome => {
    if (o.status !== 'ok') return o;
    let record = o.record;
    if (donor && random() < 0.4)
      record = { ...record, resources: [...record.resources, { ...donor, id: `stray-${i}` }] };
    const first = record.resources[0];
    if (first && random() < 0.4) {
      const tagged = { ...first, meta: { ...first.meta, tag: [{ system: ODS_CODE_SYSTEM, code: 'OBJ01' }] } };
      record = { ...record, resources: [tagged as Resource, ...record.resources.slice(1)] };
    }
    if (okIndexes.length >= 3 && i === okIndexes.at(-1) && random() < 0.5) {
      record = { ...record, patient: { ...record.patient, birthDate: '1900-01-01' } };
    }
    return { ...o, record };
  });
}

/** The sources' answers in a random order, as they might arrive. */
function arrivalOrder(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

describe('EarlyContributions: each source merged as it answers gives the very view the merge makes', () => {
  it.each([3, 17, 256, 9001])(
    'when seed %i is merged for every person with contributions made as sources answer, then the view equals the merge made at the end',
    (seed) => {
      const population = generatePopulation({ seed, size: 20 });
      const random = lcg(seed);
      let compared = 0;
      for (const person of population.people) {
        const base = populationOutcomes(population, person.nhsNumber);
        if (!base.some((o) => o.status === 'ok')) continue;
        const other = population.people.find((p) => p.nhsNumber !== person.nhsNumber)!;
        const donorOutcome = populationOutcomes(population, other.nhsNumber).find(
          (o) => o.status === 'ok' && o.record.resources.length > 0,
        );
        const donor = donorOutcome?.status === 'ok' ? donorOutcome.record.resources[0] : undefined;
        const outcomes = misbehaving(base, donor, random);
        const setup: ContributionSetup = {
          nhsNumber: person.nhsNumber,
          sources: SOURCES,
          sensitiveData: SENSITIVE_DATA,
          objectedOrigin: (codes) => codes.includes('OBJ01'),
          resourceTypes: [
            'Condition',
            'MedicationStatement',
            'AllergyIntolerance',
            'Observation',
            'Encounter',
          ],
          ...(random() < 0.5 ? { since: '2018-06-01T00:00:00Z' } : {}),
        };
        const input: MergeInput = {
          ...setup,
          viewId: 'v',
          outcomes,
          broker: { name: 'B', odsCode: 'X26' },
          now: NOW,
        };

        const early = new EarlyContributions(setup);
        for (const index of arrivalOrder(outcomes.length, random)) early.add(outcomes[index]!, index);

        expect(mergeView({ ...input, early })).toEqual(mergeView(input));
        compared++;
      }
      expect(compared).toBeGreaterThan(5);
    },
  );

  it('when a contribution was made as its source answered, then the merge uses it rather than making it again', () => {
    const population = generatePopulation({ seed: 5, size: 0 });
    const outcomes = populationOutcomes(population, '9000000009');
    let asked = 0;
    const setup: ContributionSetup = {
      nhsNumber: '9000000009',
      sources: SOURCES,
      sensitiveData: SENSITIVE_DATA,
      objectedOrigin: () => {
        asked++;
        return false;
      },
    };
    const early = new EarlyContributions(setup);
    outcomes.forEach((outcome, index) => early.add(outcome, index));
    const askedEarly = asked;
    expect(askedEarly).toBeGreaterThan(0);

    mergeView({ ...setup, viewId: 'v', outcomes, broker: { name: 'B', odsCode: 'X26' }, now: NOW, early });

    expect(asked).toBe(askedEarly);
  });

  it('when the contributions were made with another setup, or from other outcome objects, then the merge makes its own', () => {
    const population = generatePopulation({ seed: 5, size: 0 });
    const outcomes = populationOutcomes(population, '9000000025'); // restricted, with sensitive-coded items
    const setup: ContributionSetup = {
      nhsNumber: '9000000025',
      sources: SOURCES,
      sensitiveData: SENSITIVE_DATA,
    };
    const input: MergeInput = {
      ...setup,
      viewId: 'v',
      outcomes,
      broker: { name: 'B', odsCode: 'X26' },
      now: NOW,
    };
    const expected = mergeView(input);

    // Made without the sensitive-data policy: used, they would show what the policy withholds.
    const unguarded = new EarlyContributions({ nhsNumber: '9000000025', sources: SOURCES });
    outcomes.forEach((outcome, index) => unguarded.add(outcome, index));
    expect(mergeView({ ...input, early: unguarded })).toEqual(expected);
    expect(expected.counts.withheldSensitive).toBeGreaterThan(0);

    // Made from copies of the outcomes: not the outcomes merged.
    const fromCopies = new EarlyContributions(setup);
    outcomes.forEach((outcome, index) => fromCopies.add({ ...outcome }, index));
    expect(mergeView({ ...input, early: fromCopies })).toEqual(expected);
  });

  it('when making a contribution early fails, then add does not throw and the merge still raises the failure', () => {
    const population = generatePopulation({ seed: 5, size: 0 });
    const outcomes = populationOutcomes(population, '9000000009');
    const setup: ContributionSetup = {
      nhsNumber: '9000000009',
      sources: SOURCES,
      objectedOrigin: () => {
        throw new Error('objection register unreadable');
      },
    };
    const early = new EarlyContributions(setup);
    expect(() => outcomes.forEach((outcome, index) => early.add(outcome, index))).not.toThrow();
    expect(() =>
      mergeView({ ...setup, viewId: 'v', outcomes, broker: { name: 'B', odsCode: 'X26' }, now: NOW, early }),
    ).toThrow('objection register unreadable');
  });
});
