import { generatePopulation } from './population/generate-population';
import { SIM_NODE_IDS, type Population, type PopulationOptions, type SimNodeId } from './population/types';
import { startFhirNode, type RunningSimNode } from './fhir-node';

export interface RegionOptions {
  /** A population already generated, or options to generate one. */
  readonly population?: Population;
  readonly populationOptions?: PopulationOptions;
  /** Latency added by every node, unless `latencyByNode` names it. */
  readonly latencyMs?: number;
  readonly latencyByNode?: Partial<Record<SimNodeId, number | (() => number)>>;
  /** Fixed ports (the demo); otherwise each node listens on port 0. */
  readonly ports?: Partial<Record<SimNodeId, number>>;
  readonly host?: string;
}

export interface RunningRegion {
  readonly population: Population;
  readonly nodes: Readonly<Record<SimNodeId, RunningSimNode>>;
  close(): Promise<void>;
}

/** Starts the five simulated regional nodes, each on its own port. */
export async function startRegion(options: RegionOptions = {}): Promise<RunningRegion> {
  const population = options.population ?? generatePopulation(options.populationOptions);
  const started: RunningSimNode[] = [];
  try {
    for (const id of SIM_NODE_IDS) {
      started.push(
        await startFhirNode({
          dataset: population.nodes[id],
          latencyMs: options.latencyByNode?.[id] ?? options.latencyMs ?? 0,
          ...(options.ports?.[id] !== undefined ? { port: options.ports[id] } : {}),
          ...(options.host ? { host: options.host } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all(started.map((node) => node.close()));
    throw error;
  }
  const nodes = Object.fromEntries(SIM_NODE_IDS.map((id, i) => [id, started[i]!])) as Record<
    SimNodeId,
    RunningSimNode
  >;
  return {
    population,
    nodes,
    close: async () => void (await Promise.all(started.map((node) => node.close()))),
  };
}
