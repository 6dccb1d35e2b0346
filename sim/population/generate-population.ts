import type { Resource } from '@medplum/fhirtypes';
import { assignNodes } from './assign-nodes';
import { DEFAULT_REFERENCE_DATE, parseReferenceDate } from './clock';
import { drawPerson } from './draw-person';
import { DEMO_PEOPLE } from './fixed/demo-people';
import { addDemoRecords, padRichRecord } from './fixed/demo-records';
import { drawLocalId } from './local-ids';
import { createNodeDatasetBuilder, type NodeDatasetBuilder } from './node-dataset-builder';
import { drawNhsNumbers } from './nhs-numbers';
import { buildAcuteRecord } from './nodes/acute-record';
import { buildAmbulanceRecord } from './nodes/ambulance-record';
import { buildGpRecord } from './nodes/gp-record';
import { buildMentalHealthRecord } from './nodes/mental-health-record';
import { buildNeighbouringRecord } from './nodes/neighbouring-record';
import { SIM_ORGANISATIONS } from './organisations';
import { drawProfile, type PersonProfile } from './person-profile';
import { createRandom, type Random } from './random';
import type { RecordContext } from './record-context';
import {
  DEMO_NHS_NUMBERS,
  SIM_NODE_IDS,
  type NodeDataset,
  type Population,
  type PopulationOptions,
  type SimNodeId,
} from './types';

export const DEFAULT_SEED = 42;
export const DEFAULT_SIZE = 200;
/** Largest richRecordSize accepted: benchmarks go to 5,000; more is a mistake, not a benchmark. */
export const MAX_RICH_RECORD_SIZE = 100_000;

type NodeRecordWriter = (context: RecordContext, profile: PersonProfile, random: Random) => Resource[];

const NODE_RECORD_WRITERS: Readonly<Record<SimNodeId, NodeRecordWriter>> = {
  gp: buildGpRecord,
  acute: buildAcuteRecord,
  'mental-health': buildMentalHealthRecord,
  ambulance: buildAmbulanceRecord,
  'neighbouring-ics': buildNeighbouringRecord,
};

function checkedInteger(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * The seeded synthetic population served by the simulated regional nodes: the four fixed demo patients
 * (always, whatever the seed) and `size` generated people, each with a record in every node that knows them.
 * Same options, same population (deep-equal and JSON-equal); every resource is FHIR R4.
 */
export function generatePopulation(options: PopulationOptions = {}): Population {
  const seed = checkedInteger(options.seed ?? DEFAULT_SEED, 'seed', -(2 ** 31), 2 ** 32 - 1);
  const size = checkedInteger(options.size ?? DEFAULT_SIZE, 'size', 0, 1_000_000);
  const referenceMs = parseReferenceDate(options.referenceDate ?? DEFAULT_REFERENCE_DATE);
  const richRecordSize =
    options.richRecordSize === undefined
      ? undefined
      : checkedInteger(options.richRecordSize, 'richRecordSize', 0, MAX_RICH_RECORD_SIZE);
  const root = createRandom(seed);

  const builders = Object.fromEntries(
    SIM_NODE_IDS.map((nodeId) => [nodeId, createNodeDatasetBuilder(SIM_ORGANISATIONS[nodeId], referenceMs)]),
  ) as Record<SimNodeId, NodeDatasetBuilder>;

  addDemoRecords(builders);

  const fixedNumbers = new Set<string>(Object.values(DEMO_NHS_NUMBERS));
  const nhsNumbers = drawNhsNumbers(root.fork('nhs-numbers'), size, fixedNumbers);
  const generated = nhsNumbers.map((nhsNumber, index) =>
    drawPerson(root.fork(`person-${index}`), nhsNumber, referenceMs),
  );
  const membership = assignNodes(root.fork('membership'), generated, referenceMs);

  generated.forEach((person, index) => {
    const nodes = membership[index] ?? ['gp'];
    const random = root.fork(`record-${index}`);
    const profile = drawProfile(random, person, referenceMs, {
      mentalHealthPatient: nodes.includes('mental-health'),
    });
    for (const nodeId of nodes) {
      const builder = builders[nodeId];
      let localId = drawLocalId(nodeId, random);
      while (!builder.isLocalIdFree(localId)) localId = drawLocalId(nodeId, random);
      const resources = NODE_RECORD_WRITERS[nodeId](builder.contextFor(person, localId), profile, random);
      builder.addRecord({ person, localId, resources });
    }
  });

  if (richRecordSize !== undefined) padRichRecord(builders, richRecordSize);

  const nodes = Object.fromEntries(
    SIM_NODE_IDS.map((nodeId) => [nodeId, builders[nodeId].build()]),
  ) as Record<SimNodeId, NodeDataset>;
  return { seed, people: [...Object.values(DEMO_PEOPLE), ...generated], nodes };
}
