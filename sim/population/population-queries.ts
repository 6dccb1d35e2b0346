import type { Resource } from '@medplum/fhirtypes';
import type { NodeDataset, NodeRecord, Population, SimNodeId } from './types';

/** The record a node holds for a person, by NHS number; undefined when the node does not know them. */
export function recordFor(
  population: Population,
  nodeId: SimNodeId,
  nhsNumber: string,
): NodeRecord | undefined {
  const dataset = population.nodes[nodeId];
  const localId = dataset.localIdByNhs.get(nhsNumber);
  return localId === undefined ? undefined : dataset.records.get(localId);
}

/** The nodes that know a person. */
export function nodesKnowing(population: Population, nhsNumber: string): SimNodeId[] {
  return (Object.keys(population.nodes) as SimNodeId[]).filter((nodeId) =>
    population.nodes[nodeId].localIdByNhs.has(nhsNumber),
  );
}

/** Every clinical resource a node holds, record by record. */
export function clinicalResources(dataset: NodeDataset): Resource[] {
  const resources: Resource[] = [];
  for (const record of dataset.records.values()) resources.push(...record.resources);
  return resources;
}

/** A record's clinical resources of one type. */
export function resourcesOfType<T extends Resource['resourceType']>(
  record: NodeRecord,
  resourceType: T,
): Extract<Resource, { resourceType: T }>[] {
  return record.resources.filter(
    (resource): resource is Extract<Resource, { resourceType: T }> => resource.resourceType === resourceType,
  );
}
