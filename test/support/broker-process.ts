import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../../config/load-config';

/** A source the configuration needs (at least one is required) and a worker never calls. */
export const UNUSED_SOURCE = {
  id: 'unused-gp',
  kind: 'fhir-r4',
  name: 'Unused GP',
  odsCode: 'A00001',
  baseUrl: 'http://127.0.0.1:9/fhir',
  supplies: ['Condition'],
} as const;

/** Writes an operator's configuration file (layered over config/default.yaml) and returns its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hie-config-')), 'broker.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/**
 * broker/main.ts as a real child process, the way the image runs it (TypeScript compiled on load by
 * @swc-node/register, the same compiler jest uses). Environment variables are only those given (plus
 * PATH), so the developer's REDIS_URL or DATABASE_URL cannot leak in.
 */
export class BrokerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(env: Record<string, string>): BrokerProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'broker/main.ts'], {
      cwd: projectRoot(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new BrokerProcess(child);
  }

  /** The parsed JSON log lines written so far. */
  logs(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /**
   * The URL the process listens on, from its own start-up log line ("broker listening" or "delivery
   * worker started", with the port it was given: configure port 0). Fails if the process exits first.
   */
  async listeningUrl(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const started = this.logs().find(
        (line) => (line.msg === 'broker listening' || line.msg === 'delivery worker started') && line.port,
      );
      if (started) return `http://127.0.0.1:${String(started.port)}`;
      if (this.child.exitCode !== null)
        throw new Error(`the broker exited (${this.child.exitCode}): ${this.stderr}${this.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `the broker did not say where it listens within ${timeoutMs} ms: ${this.stderr}${this.stdout}`,
    );
  }

  /** Polls `url` until it answers 200, or fails if the process exits first. */
  async waitReady(url: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`the broker exited (${this.child.exitCode}): ${this.stderr}${this.stdout}`);
      try {
        if ((await fetch(url)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `the broker was not ready at ${url} within ${timeoutMs} ms: ${this.stderr}${this.stdout}`,
    );
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
