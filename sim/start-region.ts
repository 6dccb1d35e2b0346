import { generatePopulation } from './population/generate-population';
import {
  SIM_NODE_IDS,
  type NodeDataset,
  type Population,
  type PopulationOptions,
  type SimNodeId,
} from './population/types';
import { startAmbulanceEpcrNode } from './ambulance-epcr-node';
import { startFhirNode } from './fhir-node';
import { startGpConnectNode } from './gp-connect-node';
import { startNeighbouringRegion, type NeighbouringRegionOptions } from './neighbouring-region';
import type { RunningSimNode } from './sim-node-base';
import type { RegisteredClient } from './smart-token-endpoint';

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
  /**
   * Our broker as the trusts' and the neighbouring broker's SMART client: its client id and where its
   * JWKS is (known before the broker starts, since the neighbouring broker reads it at start).
   */
  readonly trust: RegisteredClient;
  /** The neighbouring broker's rate limits (default: the broker's own); benchmarks lift them. */
  readonly neighbourRateLimit?: NeighbouringRegionOptions['rateLimit'];
  /** Nodes answer repeated requests from a cache (see SimNodeBaseOptions.cacheAnswers): benchmarks only. */
  readonly cacheAnswers?: boolean;
  /** Paging and size limits of the neighbouring broker's own source (records bigger than its defaults). */
  readonly neighbourStoreLimits?: NeighbouringRegionOptions['storeLimits'];
}

export interface RunningRegion {
  readonly population: Population;
  readonly nodes: Readonly<Record<SimNodeId, RunningSimNode>>;
  close(): Promise<void>;
}

interface NodeStart {
  readonly dataset: NodeDataset;
  readonly latencyMs: number | (() => number);
  readonly port?: number;
  readonly host?: string;
  readonly trust: RegisteredClient;
  readonly neighbourRateLimit?: NeighbouringRegionOptions['rateLimit'];
  readonly cacheAnswers?: boolean;
  readonly neighbourStoreLimits?: NeighbouringRegionOptions['storeLimits'];
}

/** Each node speaks its source's protocol. */
const START_NODE: Readonly<Record<SimNodeId, (start: NodeStart) => Promise<RunningSimNode>>> = {
  gp: (s) => startGpConnectNode(s),
  acute: (s) => startFhirNode({ ...s, auth: { clients: [s.trust] } }),
  'mental-health': (s) => startFhirNode({ ...s, auth: { clients: [s.trust] } }),
  ambulance: (s) => startAmbulanceEpcrNode(s),
  'neighbouring-ics': (s) =>
    startNeighbouringRegion({
      ...s,
      caller: s.trust,
      ...(s.neighbourRateLimit ? { rateLimit: s.neighbourRateLimit } : {}),
      ...(s.neighbourStoreLimits ? { storeLimits: s.neighbourStoreLimits } : {}),
    }),
};

/** Starts the five simulated regional nodes, each on its own port. */
export async function startRegion(options: RegionOptions): Promise<RunningRegion> {
  const population = options.population ?? generatePopulation(options.populationOptions);
  const started: RunningSimNode[] = [];
  try {
    for (const id of SIM_NODE_IDS) {
      const port = options.ports?.[id];
      started.push(
        await START_NODE[id]({
          dataset: population.nodes[id],
          latencyMs: options.latencyByNode?.[id] ?? options.latencyMs ?? 0,
          ...(port !== undefined ? { port } : {}),
          ...(options.host ? { host: options.host } : {}),
          trust: options.trust,
          ...(options.neighbourRateLimit ? { neighbourRateLimit: options.neighbourRateLimit } : {}),
          ...(options.cacheAnswers ? { cacheAnswers: true } : {}),
          ...(options.neighbourStoreLimits ? { neighbourStoreLimits: options.neighbourStoreLimits } : {}),
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
