import path from 'node:path';
import { projectRoot } from '../config/load-config';
import type { LatencySpec } from '../sim/latency';
import type { SimFaultRule } from '../sim/sim-faults';
import { forkHelper, type Helper } from './ipc';
import type {
  AdaptersAloneCall,
  AdaptersAloneResult,
  ClosedLoopCall,
  ClosedLoopResult,
  DirectSetup,
  FloorResult,
  OpenLoopCall,
  OpenLoopResult,
  ViewTarget,
} from './load-process';
import { cpuMsOf } from './proc-stats';
import type { RegionSpec, RegionStarted } from './region-process';

const helperFile = (name: string): string => path.join(projectRoot(), 'dist', 'bench', `${name}.js`);

/** The simulated region of a benchmark, running in its own process. */
export interface RegionProcess {
  readonly pid: number;
  readonly started: RegionStarted;
  setFault(node: string, rule: SimFaultRule | null): Promise<void>;
  setLatency(node: string, latency: LatencySpec): Promise<void>;
  /** Requests a node has served so far, by kind, and how many its client abandoned. */
  requests(node: string): Promise<{ patient: number; search: number; abandoned: number }>;
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startRegionProcess(spec: RegionSpec): Promise<RegionProcess> {
  const helper = forkHelper(helperFile('region-process'));
  try {
    const started = await helper.call<RegionStarted>('start', spec);
    return {
      pid: helper.pid,
      started,
      setFault: (node, rule) => helper.call('setFault', { node, rule }),
      setLatency: (node, latency) => helper.call('setLatency', { node, latency }),
      requests: (node) => helper.call('requests', { node }),
      cpuMs: () => cpuMsOf(helper.pid),
      stop: () => helper.stop(),
    };
  } catch (error) {
    await helper.stop();
    throw error;
  }
}

/** The load generator, in its own process: views at a rate or by closed-loop connections, and direct calls. */
export interface LoadProcess {
  readonly pid: number;
  openLoop(call: OpenLoopCall): Promise<OpenLoopResult>;
  closedLoop(call: ClosedLoopCall): Promise<ClosedLoopResult>;
  directMedians(setup: DirectSetup): Promise<Record<string, number>>;
  directOpenLoop(
    call: DirectSetup & { sourceId: string; ratePerSecond: number; seconds: number },
  ): Promise<OpenLoopResult>;
  floor(call: DirectSetup & ViewTarget & { iterations: number }): Promise<FloorResult>;
  adaptersAlone(call: AdaptersAloneCall): Promise<AdaptersAloneResult>;
  stop(): Promise<void>;
}

export function startLoadProcess(): LoadProcess {
  const helper: Helper = forkHelper(helperFile('load-process'));
  return {
    pid: helper.pid,
    openLoop: (call) => helper.call('open-loop', call),
    closedLoop: (call) => helper.call('closed-loop', call),
    directMedians: (setup) => helper.call('direct-medians', setup),
    directOpenLoop: (call) => helper.call('direct-open-loop', call),
    floor: (call) => helper.call('floor', call),
    adaptersAlone: (call) => helper.call('adapters-alone', call),
    stop: () => helper.stop(),
  };
}
