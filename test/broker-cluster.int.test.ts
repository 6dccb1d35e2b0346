import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { parse } from 'yaml';
import { projectRoot } from '../config/load-config';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { regionConfig } from '../sim/region-config';
import { startRegion, type RunningRegion } from '../sim/start-region';
import { UNUSED_SOURCE, writeConfigFile } from './support/broker-process';
import { bearer, testIdentity } from './support/identity';
import { waitUntil } from './support/wait-until';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';

const nextOf = (bundle: Bundle): string | undefined => bundle.link?.find((l) => l.relation === 'next')?.url;

/** broker/main.ts as the image runs it, with its pid, so that its workers can be found. */
interface Spawned {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function spawnBroker(env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'broker/main.ts'], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/**
 * Where a broker configured with port 0 listens, from its first "broker listening" line: cluster
 * workers that listen on port 0 all get the one port the primary chose.
 */
async function listeningUrl(broker: Spawned): Promise<string> {
  let port: number | undefined;
  await waitUntil(
    'the broker says where it listens',
    () => {
      const line = broker
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; port?: number })
        .find((l) => l.msg === 'broker listening' && l.port);
      port = line?.port;
      return port !== undefined;
    },
    { timeoutMs: 30_000 },
  );
  return `http://127.0.0.1:${port}`;
}

/** The processes that have said "broker listening", in the order they said it. */
function listeningPids(broker: Spawned): number[] {
  return broker
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; pid?: number })
    .filter((l) => l.msg === 'broker listening' && l.pid !== undefined)
    .map((l) => l.pid!);
}

/** The live children of a process: a cluster primary's workers. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false; // it exited while we looked
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** Established TCP connections on `port` held open by process `pid` (its socket fds, matched in /proc/net/tcp). */
function connectionsHeldBy(pid: number, port: number, clientPort?: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed while we looked
    }
  }
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(
      (f) =>
        f[1]?.endsWith(`:${hex(port)}`) &&
        (clientPort === undefined || f[2]?.endsWith(`:${hex(clientPort)}`)) &&
        f[3] === '01' &&
        inodes.has(f[9] ?? ''),
    ).length;
}

/**
 * A FHIR GET signed in as the GP, on a connection of its own, and which worker answered it: the
 * connection is kept open until the worker holding its other end is found.
 */
async function getOnNewConnection(
  url: string,
  workers: readonly number[],
): Promise<{ status: number; body: Bundle; worker: number | undefined }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const authorization = await bearer();
    const { status, text, clientPort } = await new Promise<{
      status: number;
      text: string;
      clientPort: number;
    }>((resolve, reject) => {
      http
        .get(url, { agent, headers: { accept: 'application/fhir+json', authorization } }, (res) => {
          let text = '';
          const clientPort = res.socket.localPort ?? 0;
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, clientPort }));
        })
        .on('error', reject);
    });
    const port = Number(new URL(url).port);
    const worker = workers.find((pid) => connectionsHeldBy(pid, port, clientPort) > 0);
    return { status, body: JSON.parse(text) as Bundle, worker };
  } finally {
    agent.destroy();
  }
}

/** `count` requests at once, each on a connection of its own that is then kept open. */
async function holdConnections(url: string, agent: http.Agent, count: number): Promise<number[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          http
            .get(`${url}/livez`, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            })
            .on('error', reject);
        }),
    ),
  );
}

describe('the broker as a cluster of processes behind one port (BROKER_PROCESSES)', () => {
  const schemas: string[] = [];
  const started: Spawned[] = [];
  const agents: http.Agent[] = [];
  const regions: RunningRegion[] = [];
  const relays: http.Server[] = [];
  /** The page snapshots the brokers left in the shared Redis, deleted after each test. */
  const pagePrefixes: string[] = [];

  afterEach(async () => {
    agents.splice(0).forEach((agent) => agent.destroy());
    for (const broker of started.splice(0)) {
      const workers = broker.child.pid ? childrenOf(broker.child.pid) : [];
      broker.child.kill('SIGKILL');
      workers.forEach((pid) => alive(pid) && process.kill(pid, 'SIGKILL'));
    }
    for (const region of regions.splice(0)) await region.close();
    for (const relay of relays.splice(0)) await new Promise((resolve) => relay.close(resolve));
    if (pagePrefixes.length > 0) {
      const redis = new Redis(REDIS_URL);
      for (const prefix of pagePrefixes.splice(0)) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      await redis.quit();
    }
  });
  afterAll(async () => {
    const pg = new Client({ connectionString: PG_URL });
    await pg.connect();
    for (const schema of schemas) await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
  });

  /** A configuration a cluster can run: PostgreSQL journal (a schema of its own), Redis, a signing key. */
  function clusterConfig(port: number, overrides: Record<string, unknown> = {}): string {
    const schema = `test_cluster_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    schemas.push(schema);
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'hie-cluster-')), 'key.pem');
    writeFileSync(
      keyFile,
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
      { mode: 0o600 },
    );
    return writeConfigFile({
      server: { host: '127.0.0.1', port, shutdownGraceMs: 1000 },
      broker: {
        id: `cluster-${randomUUID().slice(0, 8)}`,
        name: 'Cluster test',
        odsCode: 'X26',
        signingKey: { file: keyFile },
      },
      sources: [UNUSED_SOURCE],
      redis: { url: REDIS_URL },
      audit: { store: { kind: 'postgres', url: PG_URL, schema } },
      logging: { level: 'info' },
      ...overrides,
    });
  }

  it('when two processes are asked for, then both answer on the one port, and a SIGTERM stops both and the primary exits 0', async () => {
    const broker = spawnBroker({ CONFIG_FILE: clusterConfig(0), BROKER_PROCESSES: '2' });
    started.push(broker);
    const primary = broker.child.pid!;
    const url = await listeningUrl(broker);
    const port = Number(new URL(url).port);

    await waitUntil('two workers run', () => childrenOf(primary).length === 2, { timeoutMs: 30_000 });
    const workers = childrenOf(primary);
    // New connections go to the workers in turn: with eight held open, each worker holds some.
    await waitUntil(
      'both workers hold connections on the port',
      async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
        agents.push(agent);
        try {
          const statuses = await holdConnections(url, agent, 8);
          return statuses.every((s) => s === 200) && workers.every((pid) => connectionsHeldBy(pid, port) > 0);
        } catch {
          return false; // not listening yet
        } finally {
          agent.destroy();
        }
      },
      { timeoutMs: 30_000, everyMs: 200 },
    );
    expect(workers.every((pid) => pid !== primary)).toBe(true);

    broker.child.kill('SIGTERM');
    expect(await broker.exited).toEqual({ code: 0, signal: null });
    await waitUntil('both workers have exited', () => workers.every((pid) => !alive(pid)), {
      timeoutMs: 5000,
    });
    const lines = broker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string });
    expect(lines.filter((l) => l.msg === 'broker listening')).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'shutting down')).toHaveLength(2);
  });

  it('when a worker crashes, then the primary starts another and the port keeps answering', async () => {
    const broker = spawnBroker({ CONFIG_FILE: clusterConfig(0), BROKER_PROCESSES: '2' });
    started.push(broker);
    const primary = broker.child.pid!;
    const url = await listeningUrl(broker);
    await waitUntil('two workers run', () => childrenOf(primary).length === 2, { timeoutMs: 30_000 });
    const answers = async (route: string): Promise<boolean> =>
      (await fetch(`${url}${route}`, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.ok ?? false;
    await waitUntil('the port answers', () => answers('/readyz'), { timeoutMs: 30_000 });
    // Both workers must be listening before one is killed: on a busy machine the second may still be
    // starting when the first already answers, and the port would then rightly be closed for a while.
    await waitUntil('both workers listen', () => listeningPids(broker).length === 2, { timeoutMs: 30_000 });
    const [crashed, survivor] = listeningPids(broker) as [number, number];
    expect(childrenOf(primary).sort()).toEqual([crashed, survivor].sort());

    process.kill(crashed, 'SIGKILL');
    await waitUntil('the port answers while one worker is down', () => answers('/livez'));
    await waitUntil(
      'a new worker has replaced the crashed one',
      () => {
        const now = childrenOf(primary);
        return now.length === 2 && now.includes(survivor) && !now.includes(crashed);
      },
      { timeoutMs: 15_000 },
    );
    expect(broker.output()).toContain('broker worker exited: restarting it');
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toEqual({ code: 0, signal: null });
  });

  it('when a search is paged on one process, then its next links are followed on the other, and every page is served', async () => {
    // The region's nodes and its neighbouring broker must name our JWKS before the cluster starts
    // (on port 0, in other processes): a small server of the test's serves it from the cluster once it
    // listens, so every check of our client assertions still uses the cluster's real keys.
    let url = '';
    const jwksRelay = http.createServer((req, res) => {
      void fetch(`${url}/.well-known/jwks.json`)
        .then(async (answer) =>
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()),
        )
        .catch(() => res.writeHead(503).end());
    });
    await new Promise<void>((resolve) => jwksRelay.listen(0, '127.0.0.1', resolve));
    relays.push(jwksRelay);
    const relayUrl = `http://127.0.0.1:${(jwksRelay.address() as { port: number }).port}`;
    const region = await startRegion({
      populationOptions: { size: 20 },
      trust: { clientId: 'demo-broker', jwksUrl: () => `${relayUrl}/.well-known/jwks.json` },
    });
    regions.push(region);
    const { sources } = regionConfig(region, {
      audit: { store: { kind: 'postgres', url: PG_URL, schema: 'unused' } },
    });
    const configFile = clusterConfig(0, {
      sources,
      auth: { issuers: [(await testIdentity()).issuerConfig()] },
    });
    const brokerId = (parse(readFileSync(configFile, 'utf8')) as { broker: { id: string } }).broker.id;
    pagePrefixes.push(`hie-broker:${brokerId}:page:`);
    const broker = spawnBroker({ CONFIG_FILE: configFile, BROKER_PROCESSES: '2' });
    started.push(broker);
    const primary = broker.child.pid!;
    url = await listeningUrl(broker);
    await waitUntil('two workers run', () => childrenOf(primary).length === 2, { timeoutMs: 30_000 });
    const workers = childrenOf(primary);
    await waitUntil(
      'the port answers',
      async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok ?? false,
      { timeoutMs: 30_000, everyMs: 200 },
    );

    // The primary hands each new connection to the next worker, so a walk on new connections crosses
    // between them; a few walks make sure that a page made on one was read on the other.
    let crossed = 0;
    for (let walk = 0; walk < 4 && crossed < 2; walk++) {
      const first = await getOnNewConnection(
        `${url}/fhir/Patient/${DEMO_NHS_NUMBERS.rich}/$everything?_count=10`,
        workers,
      );
      expect(first.status).toBe(200);
      const pages = [first];
      for (let next = nextOf(first.body); next; next = nextOf(pages.at(-1)!.body)) {
        const page = await getOnNewConnection(next, workers);
        expect({ status: page.status, page: pages.length + 1 }).toEqual({
          status: 200,
          page: pages.length + 1,
        });
        pages.push(page);
      }
      const matches = pages.flatMap(
        ({ body }) => body.entry?.filter((e) => e.search?.mode === 'match') ?? [],
      );
      expect(pages.length).toBeGreaterThan(1);
      expect(matches).toHaveLength(first.body.total!);
      expect(pages.every((p) => p.worker !== undefined)).toBe(true);
      crossed += pages.slice(1).filter((p) => p.worker !== first.worker).length;
    }
    // Pages kept by one process and read by the other (with per-process snapshots these were 404).
    expect(crossed).toBeGreaterThanOrEqual(2);
  });

  it.each([
    [
      'the file journal',
      { audit: { store: { kind: 'file', directory: 'data/never-created' } } },
      'BROKER_PROCESSES=2 needs the PostgreSQL audit store',
    ],
    ['no Redis', { redis: {} }, 'BROKER_PROCESSES=2 needs Redis'],
    [
      'an ephemeral signing key',
      { broker: { id: 'cluster-no-key', name: 'Cluster test', odsCode: 'X26' } },
      'BROKER_PROCESSES=2 needs broker.signingKey',
    ],
  ] as const)(
    'when two processes are asked for with %s, then the broker refuses: exit code 1, one line, no stack',
    async (_what, overrides, message) => {
      const broker = spawnBroker({ CONFIG_FILE: clusterConfig(0, overrides), BROKER_PROCESSES: '2' });
      started.push(broker);
      expect(await broker.exited).toEqual({ code: 1, signal: null });
      expect(broker.output()).toMatch(new RegExp(`^hie-broker failed to start: ${message}[^\\n]*\\n$`));
    },
  );

  it('when BROKER_PROCESSES is not a whole number, then the broker says what it must be and exits 1', async () => {
    const broker = spawnBroker({ CONFIG_FILE: clusterConfig(0), BROKER_PROCESSES: 'two' });
    started.push(broker);
    expect(await broker.exited).toEqual({ code: 1, signal: null });
    expect(broker.output()).toBe(
      'hie-broker failed to start: BROKER_PROCESSES must be a whole number from 1 to 64\n',
    );
  });
});
