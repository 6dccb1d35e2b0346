import { isRecordResourceType, type RecordResourceType } from '../core/fhir/resource-types';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { latencyOf, type LatencySpec } from '../sim/latency';
import { generatePopulation } from '../sim/population/generate-population';
import { SIM_NODE_IDS, type NodeDataset, type SimNodeId } from '../sim/population/types';
import type { SimFaultRule } from '../sim/sim-faults';
import type { RunningSimNode } from '../sim/sim-node-base';
import { startRegion, type RunningRegion } from '../sim/start-region';
import { serveCalls } from './ipc';

/** What the simulated region of a benchmark is: sent by the runner, so it is plain data. */
export interface RegionSpec {
  /** Clinical resources each node holds for the rich patient (the population pads it); default: unpadded. */
  readonly richRecordSize?: number;
  /** Generated people besides the demo patients (they only make the datasets bigger). Default 20. */
  readonly populationSize?: number;
  /** Every node's latency, unless `latencyByNode` names it. */
  readonly latency: LatencySpec;
  readonly latencyByNode?: Partial<Record<SimNodeId, LatencySpec>>;
  /** FHIR R4 nodes to start a replica of (same dataset, same tokens), for hedged reads. */
  readonly replicas?: readonly ('acute' | 'mental-health')[];
  /** More FHIR R4 nodes, each serving one of the five datasets in turn (for the source-count curve). */
  readonly extraNodes?: number;
  /** Paging and size limits of the neighbouring broker's own source, for big records. */
  readonly neighbourStoreLimits?: { pageSize?: number; maxPages?: number; maxResponseBytes?: number };
  /** Our broker as the trusts' and the neighbouring broker's SMART client. */
  readonly trust: { readonly clientId: string; readonly jwksUrl: string };
}

export interface ExtraNode {
  readonly id: string;
  readonly dataset: SimNodeId;
  readonly baseUrl: string;
  readonly supplies: readonly RecordResourceType[];
}

export interface RegionStarted {
  readonly nodes: Record<SimNodeId, string>;
  readonly replicas: Partial<Record<SimNodeId, string>>;
  readonly extras: readonly ExtraNode[];
  /** Clinical resources each node holds for the rich patient. */
  readonly richResources: Record<SimNodeId, number>;
}

/** The record types a dataset holds, for an extra node's `supplies`. */
function suppliedTypes(dataset: NodeDataset): RecordResourceType[] {
  const types = new Set<RecordResourceType>();
  for (const record of dataset.records.values())
    for (const r of record.resources) if (isRecordResourceType(r.resourceType)) types.add(r.resourceType);
  return [...types];
}

/** A replica draws its own delays: the same distribution with another seed. */
function reseeded(spec: LatencySpec): LatencySpec {
  return typeof spec === 'object' && spec.kind === 'heavy-tail'
    ? { ...spec, seed: (spec.seed ?? 7) + 1 }
    : spec;
}

let region: RunningRegion | undefined;
const others = new Map<string, RunningSimNode>();

function node(id: string): RunningSimNode {
  const found = others.get(id) ?? region?.nodes[id as SimNodeId];
  if (!found) throw new Error(`no simulated node ${id}`);
  return found;
}

/**
 * The simulated region of a benchmark, in a process of its own (forked by region-client.ts): the
 * five nodes, with replicas and extra nodes as asked, answering the runner's calls over IPC.
 */
serveCalls(
  {
    start: async (spec: RegionSpec): Promise<RegionStarted> => {
      const population = generatePopulation({
        size: spec.populationSize ?? 20,
        ...(spec.richRecordSize !== undefined ? { richRecordSize: spec.richRecordSize } : {}),
      });
      const latencyFor = (id: SimNodeId): LatencySpec => spec.latencyByNode?.[id] ?? spec.latency;
      region = await startRegion({
        population,
        latencyByNode: Object.fromEntries(SIM_NODE_IDS.map((id) => [id, latencyOf(latencyFor(id))])),
        trust: { clientId: spec.trust.clientId, jwksUrl: () => spec.trust.jwksUrl },
        // One benchmark user drives thousands of views through the neighbouring broker too.
        // Nodes on other machines would cost this one nothing: repeated answers come from a cache.
        cacheAnswers: true,
        ...(spec.neighbourStoreLimits ? { neighbourStoreLimits: spec.neighbourStoreLimits } : {}),
        neighbourRateLimit: {
          perUser: { points: 1_000_000, durationSeconds: 60 },
          perOrganisation: { points: 1_000_000, durationSeconds: 60 },
          perPeer: { points: 1_000_000, durationSeconds: 60 },
        },
      });
      const replicas: Partial<Record<SimNodeId, string>> = {};
      for (const id of spec.replicas ?? []) {
        const primary = region.nodes[id] as RunningFhirNode;
        if (!primary.tokens) throw new Error(`${id} has no token server to share with a replica`);
        const replica = await startFhirNode({
          dataset: population.nodes[id],
          latencyMs: latencyOf(reseeded(latencyFor(id))),
          replicaOf: { tokens: primary.tokens },
          cacheAnswers: true,
        });
        others.set(`${id}-replica`, replica);
        replicas[id] = replica.baseUrl;
      }
      const extras: ExtraNode[] = [];
      for (let i = 0; i < (spec.extraNodes ?? 0); i++) {
        const dataset = SIM_NODE_IDS[i % SIM_NODE_IDS.length]!;
        const id = `extra-${String(i + 6).padStart(2, '0')}`;
        const extra = await startFhirNode({
          dataset: population.nodes[dataset],
          latencyMs: latencyOf(spec.latency),
          cacheAnswers: true,
        });
        others.set(id, extra);
        extras.push({
          id,
          dataset,
          baseUrl: extra.baseUrl,
          supplies: suppliedTypes(population.nodes[dataset]),
        });
      }
      const richResources = Object.fromEntries(
        SIM_NODE_IDS.map((id) => {
          const dataset = population.nodes[id];
          const localId = dataset.localIdByNhs.get('9000000009');
          return [id, localId ? (dataset.records.get(localId)?.resources.length ?? 0) : 0];
        }),
      ) as Record<SimNodeId, number>;
      return {
        nodes: Object.fromEntries(SIM_NODE_IDS.map((id) => [id, region!.nodes[id].baseUrl])) as Record<
          SimNodeId,
          string
        >,
        replicas,
        extras,
        richResources,
      };
    },
    setFault: ({ node: id, rule }: { node: string; rule: SimFaultRule | null }) => node(id).setFault(rule),
    setLatency: ({ node: id, latency }: { node: string; latency: LatencySpec }) =>
      node(id).setLatency(latencyOf(latency)),
    requests: ({ node: id }: { node: string }) => ({ ...node(id).requests, abandoned: node(id).abandoned() }),
  },
  async () => {
    await Promise.all([...others.values()].map((n) => n.close()));
    await region?.close();
  },
);
