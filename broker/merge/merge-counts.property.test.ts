import type { Resource } from '@medplum/fhirtypes';
import type { SourceOutcome } from '../../core/source-contract';
import { populationOutcomes, populationSources } from '../../bench/population-outcomes';
import { loadConfig } from '../../config/load-config';
import { DEMO_CONFIG_FILE } from '../../sim/region-config';
import { generatePopulation } from '../../sim/population/generate-population';
import { mergeView } from './merge-view';
import { entryReference } from './merged-entry';
import { namespacedId } from './namespaced-id';
import { SensitiveDataPolicy } from './sensitive-data/sensitive-data-policy';

const SOURCES = populationSources();
/** The shipped policy (config/default.yaml, under the demo's): the restricted demo patient has items it withholds. */
const SENSITIVE_DATA = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} }).sensitiveData;
const POLICY = new SensitiveDataPolicy(SENSITIVE_DATA);
const PRIORITY = new Map(SOURCES.map((s, i) => [s.id, i]));

/** A small seeded generator, so a failing case can be replayed from its seed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Scenario {
  readonly outcomes: SourceOutcome[];
  /** `sourceId|resourceId` of the resources that belong to someone else. */
  readonly foreign: Set<string>;
  readonly since?: string;
}

/**
 * Perturbs one patient's outcomes as sources misbehave: another patient's item slipped into a
 * source, a patient with another date of birth, a `_since` cut.
 */
function scenario(outcomes: SourceOutcome[], donor: Resource, random: () => number): Scenario {
  const foreign = new Set<string>();
  const okIndexes = outcomes.flatMap((o, i) => (o.status === 'ok' ? [i] : []));
  const result = outcomes.map((o, i): SourceOutcome => {
    if (o.status !== 'ok') return o;
    let record = o.record;
    if (random() < 0.4) {
      const stray = { ...donor, id: `stray-${i}` } as Resource;
      foreign.add(`${o.sourceId}|${stray.id}`);
      record = { ...record, resources: [...record.resources, stray] };
    }
    if (okIndexes.length >= 3 && i === okIndexes.at(-1) && random() < 0.5) {
      record = { ...record, patient: { ...record.patient, birthDate: '1900-01-01' } };
    }
    return { ...o, record };
  });
  const since = random() < 0.5 ? `20${String(10 + Math.floor(random() * 16))}-06-01T00:00:00Z` : undefined;
  return { outcomes: result, foreign, ...(since ? { since } : {}) };
}

describe('mergeView over random populations: every resource is accounted for', () => {
  it.each([1, 7, 42, 2024, 99991])(
    'when seed %i is merged for every person, then each resource is shown, grouped, withheld or dropped, and the counts add up',
    (seed) => {
      const population = generatePopulation({ seed, size: 25 });
      const random = lcg(seed);
      const seen = { grouped: 0, otherPatient: 0, withheldSensitive: 0, beforeSince: 0, excludedSource: 0 };
      for (const person of population.people) {
        const base = populationOutcomes(population, person.nhsNumber);
        if (!base.some((o) => o.status === 'ok')) continue;
        const other = population.people.find((p) => p.nhsNumber !== person.nhsNumber)!;
        const donorOutcome = populationOutcomes(population, other.nhsNumber).find(
          (o) => o.status === 'ok' && o.record.resources.length > 0,
        );
        const donor = donorOutcome?.status === 'ok' ? donorOutcome.record.resources[0]! : undefined;
        const { outcomes, foreign, since } = donor
          ? scenario(base, donor, random)
          : { outcomes: base, foreign: new Set<string>(), since: undefined };

        const view = mergeView({
          viewId: 'v',
          nhsNumber: person.nhsNumber,
          sources: SOURCES,
          outcomes,
          broker: { name: 'B', odsCode: 'X26' },
          sensitiveData: SENSITIVE_DATA,
          ...(since ? { since } : {}),
          now: new Date('2026-11-01T09:00:00Z'),
        });

        const byId = new Map(view.entries.map((e) => [entryReference(e), e]));
        const excluded = new Set(
          view.incidents.filter((i) => i.kind === 'demographic-mismatch').map((i) => i.sourceId),
        );
        const tally = {
          received: 0,
          shown: 0,
          grouped: 0,
          otherPatient: 0,
          withheldSensitive: 0,
          beforeSince: 0,
          excludedSource: 0,
          withheldObjection: 0,
        };
        const serialised = JSON.stringify([view.patient, view.entries, view.included, view.provenance]);
        for (const outcome of outcomes) {
          if (outcome.status !== 'ok') continue;
          for (const resource of outcome.record.resources) {
            tally.received++;
            const entry = byId.get(
              `${resource.resourceType}/${namespacedId(outcome.sourceId, resource.id!)}`,
            );
            if (excluded.has(outcome.sourceId)) {
              expect(entry).toBeUndefined();
              tally.excludedSource++;
            } else if (foreign.has(`${outcome.sourceId}|${resource.id}`)) {
              expect(entry).toBeUndefined();
              tally.otherPatient++;
            } else if (POLICY.withholds(resource, () => undefined)) {
              // Withheld, and nothing in the view names it: not an entry, a reference or a target.
              expect(serialised).not.toContain(
                `${resource.resourceType}/${namespacedId(outcome.sourceId, resource.id!)}`,
              );
              expect(serialised).not.toContain(`/${resource.resourceType}/${resource.id}"`);
              tally.withheldSensitive++;
            } else if (!entry) {
              // Only `_since` may leave out one of the patient's own items.
              expect(since).toBeDefined();
              expect(Date.parse(resource.meta!.lastUpdated!)).toBeLessThan(Date.parse(since!));
              tally.beforeSince++;
            } else if (entry.groupedUnder) {
              const lead = byId.get(entry.groupedUnder)!;
              expect(lead.duplicates?.map((d) => d.reference)).toContain(entryReference(entry));
              expect(PRIORITY.get(lead.sourceId)!).toBeLessThan(PRIORITY.get(entry.sourceId)!);
              tally.grouped++;
            } else {
              tally.shown++;
            }
          }
        }
        expect(view.counts).toEqual(tally);
        const { received, ...parts } = view.counts;
        expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(received);
        for (const lead of view.entries.filter((e) => e.duplicates)) {
          const sources = [lead.sourceId, ...lead.duplicates!.map((d) => d.sourceId)];
          expect(new Set(sources).size).toBe(sources.length);
        }
        for (const key of Object.keys(seen) as (keyof typeof seen)[]) seen[key] += view.counts[key];
      }
      // Every path was taken (the fixed rich patient alone has duplicates in every population).
      for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
    },
  );
});
