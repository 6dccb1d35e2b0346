import type { SourceDescriptor, SourceOutcome } from '../core/source-contract';
import { RECORD_RESOURCE_TYPES, isRecordResourceType } from '../core/fhir/resource-types';
import { SIM_ORGANISATIONS } from '../sim/population/organisations';
import { SIM_NODE_IDS, type Population } from '../sim/population/types';

/** The five simulated nodes as sources, in the demo's priority order, each supplying every record type. */
export function populationSources(): SourceDescriptor[] {
  return SIM_NODE_IDS.map((nodeId) => ({
    id: nodeId,
    kind: 'fhir-r4',
    name: SIM_ORGANISATIONS[nodeId].name,
    odsCode: SIM_ORGANISATIONS[nodeId].odsCode,
    baseUrl: `https://sim.hie-broker.org/${nodeId}/fhir`,
    supplies: RECORD_RESOURCE_TYPES,
  }));
}

/**
 * What each node would answer for one NHS number, as in-memory outcomes (no HTTP): `ok` with its own
 * Patient and record where it knows the person, `no-match` elsewhere. For merge benchmarks and tests.
 */
export function populationOutcomes(population: Population, nhsNumber: string): SourceOutcome[] {
  return SIM_NODE_IDS.map((nodeId): SourceOutcome => {
    const dataset = population.nodes[nodeId];
    const localId = dataset.localIdByNhs.get(nhsNumber);
    const record = localId === undefined ? undefined : dataset.records.get(localId);
    if (!record) return { sourceId: nodeId, status: 'no-match', durationMs: 0 };
    return {
      sourceId: nodeId,
      status: 'ok',
      durationMs: 0,
      warnings: [],
      // A node's supporting resources (a report's Specimens) travel as a FHIR source sends them: included.
      record: {
        patient: record.patient,
        resources: record.resources.filter((r) => isRecordResourceType(r.resourceType)),
        supporting: record.resources.filter((r) => !isRecordResourceType(r.resourceType)),
      },
    };
  });
}
