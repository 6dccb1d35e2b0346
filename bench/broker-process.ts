import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../config/load-config';
import type { BrokerConfig } from '../config/schema';
import { childrenOf, cpuMsOf, peakRssMbOf, treeCpuMs } from './proc-stats';

export interface BrokerProcess {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM) of the largest broker process, in MB. */
  peakRssMb(): number;
  /** Peak RSS of each serving process (the workers, in a cluster), in MB. */
  peakRssByProcessMb(): number[];
  /** User + system CPU time used so far by the broker (and its workers, in a cluster), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export interface BrokerProcessOptions {
  readonly config: BrokerConfig;
  readonly port: number;
  /** BROKER_PROCESSES: more than one runs the broker as a cluster behind the port. */
  readonly processes?: number;
  /** Written into the profile directory when the broker stops (node --cpu-prof). */
  readonly cpuProfileDir?: string;
  /** Another build's `dist/broker/main.js` (default: BENCH_BROKER_MAIN, else this build's). */
  readonly main?: string;
}

/**
 * The node flags the broker runs with: those of `npm start` (as deployed), or BENCH_BROKER_NODE_ARGS
 * when it is set (e.g. a V8 heap setting under trial; empty for none).
 */
export function brokerNodeFlags(): string[] {
  const asked = process.env.BENCH_BROKER_NODE_ARGS;
  if (asked !== undefined) return asked.split(' ').filter(Boolean);
  const { scripts } = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return scripts.start.split(' ').filter((part) => part.startsWith('--'));
}

/** Runs the built broker (`dist/broker/main.js`) as its own process, so its CPU and memory can be measured alone. */
export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const { config, port } = options;
  const file = path.join(tmpdir(), `hie-bench-${process.pid}-${port}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...config,
      server: { ...config.server, port, host: '127.0.0.1' },
      // Circuit changes are warnings, and the fault benchmark makes many: errors only.
      logging: { level: 'error' },
    }),
  );
  const profileDir = options.cpuProfileDir ?? process.env.BENCH_CPU_PROF;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...brokerNodeFlags(),
      // BENCH_BROKER_MAIN: another build of the broker (e.g. the commit before a change), for before/after figures.
      options.main ?? process.env.BENCH_BROKER_MAIN ?? path.join(projectRoot(), 'dist', 'broker', 'main.js'),
    ],
    {
      env: {
        ...process.env,
        CONFIG_FILE: file,
        PORT: String(port),
        BROKER_PROCESSES: String(options.processes ?? 1),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the broker exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error('the broker did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid!;
  if ((options.processes ?? 1) > 1) {
    // The first worker to listen answered /readyz; give the others time to start and listen too.
    while (childrenOf(pid).length < options.processes!) await new Promise((r) => setTimeout(r, 100));
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  const serving = (): number[] => {
    const workers = childrenOf(pid);
    return workers.length > 0 ? workers : [pid];
  };
  return {
    url,
    pid,
    peakRssMb: () => Math.max(...serving().map(peakRssMbOf)),
    peakRssByProcessMb: () => serving().map(peakRssMbOf),
    cpuMs: () => ((options.processes ?? 1) > 1 ? treeCpuMs(pid) : cpuMsOf(pid)),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
