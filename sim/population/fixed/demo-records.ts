import type { Resource } from '@medplum/fhirtypes';
import type { NodeDatasetBuilder } from '../node-dataset-builder';
import { buildAcuteRecord } from '../nodes/acute-record';
import { buildGpRecord } from '../nodes/gp-record';
import { buildNeighbouringRecord } from '../nodes/neighbouring-record';
import { createRandom } from '../random';
import type { RecordContext } from '../record-context';
import { DEMO_NHS_NUMBERS, type SimNodeId } from '../types';
import { DEMO_LOCAL_IDS, DEMO_PEOPLE, type DemoPersonKey } from './demo-people';
import { gpAndNeighbourProfile, objectionProfile } from './ordinary-demo-profiles';
import { buildRichAcuteRecord } from './rich-acute';
import { buildRichAmbulanceRecord } from './rich-ambulance';
import { buildRichGpRecord } from './rich-gp';
import { buildRichMentalHealthRecord } from './rich-mental-health';
import { buildRichNeighbouringRecord } from './rich-neighbouring';
import { buildRichPadding } from './rich-padding';
import { withRichAcuteWholeRecord, withRichMentalHealthWholeRecord } from './rich-whole-record';
import { withLabReports } from '../builders/diagnostic-report';
import {
  buildRestrictedAcuteRecord,
  buildRestrictedGpRecord,
  buildRestrictedMentalHealthRecord,
} from './restricted-records';

type RecordWriter = (context: RecordContext) => Resource[];

/** Who writes each fixed patient's record in each node that knows them. */
const WRITERS: Readonly<Record<DemoPersonKey, Partial<Record<SimNodeId, RecordWriter>>>> = {
  rich: {
    gp: buildRichGpRecord,
    acute: (context) => withRichAcuteWholeRecord(context, buildRichAcuteRecord(context)),
    'mental-health': (context) =>
      withRichMentalHealthWholeRecord(context, buildRichMentalHealthRecord(context)),
    ambulance: buildRichAmbulanceRecord,
    'neighbouring-ics': buildRichNeighbouringRecord,
  },
  objection: {
    gp: (context) => buildGpRecord(context, objectionProfile(context.referenceMs), createRandom(17)),
    acute: (context) => buildAcuteRecord(context, objectionProfile(context.referenceMs), createRandom(1717)),
  },
  restricted: {
    gp: buildRestrictedGpRecord,
    acute: buildRestrictedAcuteRecord,
    'mental-health': buildRestrictedMentalHealthRecord,
  },
  gpAndNeighbour: {
    gp: (context) => buildGpRecord(context, gpAndNeighbourProfile(context.referenceMs), createRandom(33)),
    'neighbouring-ics': (context) =>
      buildNeighbouringRecord(context, gpAndNeighbourProfile(context.referenceMs), createRandom(3333)),
  },
};

/** Writes the four fixed patients' records into the nodes that know them. Seed-independent. */
export function addDemoRecords(builders: Readonly<Record<SimNodeId, NodeDatasetBuilder>>): void {
  for (const key of Object.keys(WRITERS) as DemoPersonKey[]) {
    const person = DEMO_PEOPLE[key];
    for (const [nodeId, write] of Object.entries(WRITERS[key]) as [SimNodeId, RecordWriter][]) {
      const localId = DEMO_LOCAL_IDS[key][nodeId];
      if (localId === undefined) throw new RangeError('Fixed patient has a writer but no local id');
      const builder = builders[nodeId];
      const resources = write(builder.contextFor(person, localId));
      builder.addRecord({
        person,
        localId,
        resources,
        restricted: person.nhsNumber === DEMO_NHS_NUMBERS.restricted,
      });
    }
  }
}

/** Pads 9000000009's record in every node to at least `target` clinical resources (benchmarks). */
export function padRichRecord(
  builders: Readonly<Record<SimNodeId, NodeDatasetBuilder>>,
  target: number,
): void {
  for (const [nodeId, localId] of Object.entries(DEMO_LOCAL_IDS.rich) as [SimNodeId, string][]) {
    const builder = builders[nodeId];
    const missing = target - builder.resourceCount(localId);
    if (missing <= 0) continue;
    // A fixed seed: the padded record is the same for every population seed, so benchmarks compare.
    const context = builder.contextOf(localId);
    const padding = buildRichPadding(context, nodeId, createRandom(9_000_000_009), missing);
    // The hospital files its padded results as the laboratory does: a report (and specimen) per sample.
    builder.appendResources(
      localId,
      nodeId === 'acute'
        ? withLabReports(context, padding, { laboratory: { display: 'Riverside Pathology' } })
        : padding,
    );
  }
}
