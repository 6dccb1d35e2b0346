import type { Resource } from '@medplum/fhirtypes';
import { populationOutcomes, populationSources } from '../../bench/population-outcomes';
import { loadConfig } from '../../config/load-config';
import { DEMO_CONFIG_FILE } from '../../sim/region-config';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';
import { mergeView } from '../merge/merge-view';
import { referencesOfCopy } from '../merge/reference-rewriter';
import { readableReferences } from './instance-read';

const SENSITIVE_DATA = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} }).sensitiveData;

describe('readableReferences', () => {
  const population = generatePopulation({ size: 0, richRecordSize: 40 });

  it.each([
    ['the rich patient is merged', DEMO_NHS_NUMBERS.rich, undefined],
    ['only some record types are asked for', DEMO_NHS_NUMBERS.rich, ['Condition', 'Observation']],
    ['sensitive items are withheld, their references masked', DEMO_NHS_NUMBERS.restricted, undefined],
  ])(
    'when %s, then the references the merge met are those a walk of every answered resource finds',
    (_, nhsNumber, resourceTypes) => {
      const view = mergeView({
        viewId: 'test',
        nhsNumber,
        sources: populationSources(),
        // Sources answer the record types asked for.
        outcomes: populationOutcomes(population, nhsNumber).map((outcome) =>
          outcome.status === 'ok' && resourceTypes
            ? {
                ...outcome,
                record: {
                  ...outcome.record,
                  resources: outcome.record.resources.filter((r) => resourceTypes.includes(r.resourceType)),
                },
              }
            : outcome,
        ),
        broker: { name: 'Test Broker', odsCode: 'X26' },
        now: new Date('2026-11-01T09:00:00Z'),
        sensitiveData: SENSITIVE_DATA,
        ...(resourceTypes ? { resourceTypes } : {}),
      });
      const resources: Resource[] = [...view.entries, ...view.included].map((e) => e.resource);
      // Most resources are the merge's own copies, whose references it noted while rewriting them.
      const noted = resources.filter((r) => referencesOfCopy(r) !== undefined).length;
      expect(noted).toBeGreaterThan(resources.length / 2);
      // A structured clone is not a copy the merge made: it is walked, as any other resource.
      const walked = readableReferences(resources.map((r) => structuredClone(r)));
      const fromMerge = readableReferences(resources);
      if (resourceTypes) {
        // References to record types not asked for are named by view id, and readable: not only own ids.
        const own = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
        expect(walked.filter((reference) => !own.has(reference)).length).toBeGreaterThan(0);
      }
      expect(new Set(fromMerge)).toEqual(new Set(walked));
    },
  );
});
