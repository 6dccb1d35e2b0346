import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../config/load-config';
import type { BrokerConfig } from '../config/schema';

export interface BrokerProcess {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** User + system CPU time used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Runs the built broker (`dist/broker/main.js`) as its own process, so its CPU and memory can be measured alone. */
export async function startBrokerProcess(config: BrokerConfig, port: number): Promise<BrokerProcess> {
  const file = path.join(tmpdir(), `hie-bench-${process.pid}-${port}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...config,
      server: { ...config.server, port, host: '127.0.0.1' },
      logging: { level: 'warn' },
    }),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(projectRoot(), 'dist', 'broker', 'main.js')],
    {
      env: { ...process.env, CONFIG_FILE: file, PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the broker exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error('the broker did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRssMb: () => {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('VmHWM:'));
      return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
    },
    cpuMs: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
