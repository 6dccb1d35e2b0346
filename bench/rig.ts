import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { deepMerge } from '../config/load-config';
import { sourceSchema, type BrokerConfig } from '../config/schema';
import { freePort } from './free-port';
import { DemoIdentityProvider } from '../sim/identity-provider';
import { DEMO_NHS_NUMBERS, SIM_NODE_IDS } from '../sim/population/types';
import { regionConfig } from '../sim/region-config';
import { startBrokerProcess, type BrokerProcess } from './broker-process';
import { startLoadProcess, startRegionProcess, type LoadProcess, type RegionProcess } from './helpers';
import type { DirectSetup, ViewTarget } from './load-process';
import type { RegionSpec } from './region-process';

export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How one broker under test is configured and run, over the rig's region. */
export interface BrokerVariant {
  /** Another build's `dist/broker/main.js` for this broker (see BrokerProcessOptions.main). */
  readonly main?: string;
  /** False: no `broker.federationKey` in this broker's configuration (a build older than the setting). */
  readonly federationKey?: false;
  /** Overrides of `federation` (deadlineMs, sourceTimeoutMs). */
  readonly federation?: Record<string, unknown>;
  /** Layered over every source (e.g. pageSize, resilience). */
  readonly everySource?: Record<string, unknown>;
  /** Layered over one source each, by id. */
  readonly perSource?: Readonly<Record<string, Record<string, unknown>>>;
  /** Broker processes behind the port (BROKER_PROCESSES). Default 1. */
  readonly processes?: number;
  /** The audit store: the embedded file journal (default) or PostgreSQL in a schema of the run's own. */
  readonly store?: 'file' | 'postgres';
  /** Shares rate limits and replay checks through Redis, as a cluster must. */
  readonly redis?: boolean;
  /** Leaves out the replicas the region started, so no source is hedged. */
  readonly withoutReplicas?: boolean;
}

export interface RigOptions extends BrokerVariant {
  readonly region: Omit<RegionSpec, 'trust'>;
}

/** One broker under test: its process, configuration, and the view the load generator opens. */
export interface BenchBroker {
  readonly broker: BrokerProcess;
  readonly config: BrokerConfig;
  /** The rich patient's whole record, as the clinician's system asks for it. */
  readonly view: ViewTarget;
  /** What the load generator needs to ask each source directly, with the broker's own adapters. */
  readonly direct: DirectSetup;
}

/** One benchmark's world: the region, the broker(s) under test and the load generator, each its own process. */
export interface Rig extends BenchBroker {
  readonly region: RegionProcess;
  readonly load: LoadProcess;
  /** Another broker over the same region (same key and client id), e.g. with hedging off; stopped with the rig. */
  startBroker(variant: BrokerVariant): Promise<BenchBroker>;
  close(): Promise<void>;
}

/** Starts a rig; whatever was started is stopped again if a later part fails. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const brokerPort = await freePort();
    // The run's own broker id (and so its own Redis keys), which is also its client id at the sources.
    const runId = randomBytes(4).toString('hex');
    const brokerId = `bench-${runId}`;
    // The first broker's JWKS is where the trusts and the neighbouring broker read the key every broker here signs with.
    const region = await startRegionProcess({
      ...options.region,
      trust: { clientId: brokerId, jwksUrl: `http://127.0.0.1:${brokerPort}/.well-known/jwks.json` },
    });
    closers.push(() => region.stop());
    const { started } = region;

    const signingKeyPem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const dir = mkdtempSync(path.join(tmpdir(), 'hie-bench-'));
    const keyFile = path.join(dir, 'broker-key.pem');
    writeFileSync(keyFile, signingKeyPem, { mode: 0o600 });
    // As a production broker with peers is configured: requester assertions signed with an Ed25519 key.
    // BENCH_FEDERATION_KEY=none signs them with the signing key (and runs a build older than federationKey).
    const federationKeyPem =
      process.env.BENCH_FEDERATION_KEY === 'none'
        ? undefined
        : generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const federationKeyFile = path.join(dir, 'federation-key.pem');
    if (federationKeyPem) writeFileSync(federationKeyFile, federationKeyPem, { mode: 0o600 });
    const idp = await DemoIdentityProvider.create(dir);
    const authorization = `Bearer ${await idp.token('ed-doctor')}`;
    let brokers = 0;

    const configFor = (variant: BrokerVariant): BrokerConfig => {
      let audit: Record<string, unknown> | undefined;
      if (variant.store === 'postgres') {
        const schema = `bench_${runId}_${brokers}`;
        audit = { store: { kind: 'postgres', url: BENCH_DATABASE_URL, schema, poolSize: 10 } };
        closers.push(() => dropSchema(schema));
      }
      // One benchmark user drives thousands of views: lift the per-user and per-organisation limits.
      const unlimited = { points: 1_000_000, durationSeconds: 60 };
      const demo = regionConfig(
        {
          nodes: Object.fromEntries(SIM_NODE_IDS.map((id) => [id, { baseUrl: started.nodes[id] }])) as never,
        },
        {
          auth: { issuers: [idp.issuerConfig()] },
          // Views still in flight when a benchmark step ends finish before the broker stops.
          server: { shutdownGraceMs: 10_000 },
          ...(variant.federation ? { federation: variant.federation } : {}),
          ...(variant.everySource ? { sources: variant.everySource } : {}),
          ...(audit ? { audit } : {}),
          extra: {
            broker: {
              id: brokerId,
              signingKey: { file: keyFile },
              ...(federationKeyPem && variant.federationKey !== false
                ? { federationKey: { file: federationKeyFile } }
                : {}),
            },
            rateLimit: { perUser: unlimited, perOrganisation: unlimited },
            ...(variant.redis ? { redis: { url: BENCH_REDIS_URL } } : {}),
          },
        },
      );
      const replicas = variant.withoutReplicas
        ? []
        : Object.entries(started.replicas).map(([id, url]) => [
            id,
            { replicas: [url], resilience: { hedging: { enabled: true } } },
          ]);
      const perSource = deepMerge(Object.fromEntries(replicas), variant.perSource ?? {});
      const sources = [
        ...demo.sources.map((s) =>
          deepMerge(
            'auth' in s && s.auth ? { ...s, auth: { ...s.auth, clientId: brokerId } } : s,
            (perSource[s.id] as Record<string, unknown>) ?? {},
          ),
        ),
        ...started.extras.map((extra) =>
          deepMerge(
            {
              id: extra.id,
              kind: 'fhir-r4',
              name: `Extra source ${extra.id} (${extra.dataset} dataset)`,
              odsCode: `X${extra.id.slice(-2)}`,
              baseUrl: extra.baseUrl,
              supplies: extra.supplies,
            },
            deepMerge(variant.everySource ?? {}, (perSource[extra.id] as Record<string, unknown>) ?? {}),
          ),
        ),
      ].map((s) => sourceSchema.parse(s));
      return { ...demo, sources };
    };

    const startBroker = async (variant: BrokerVariant, port?: number): Promise<BenchBroker> => {
      const config = configFor(variant);
      brokers++;
      if (variant.redis) closers.push(() => deleteKeys(`hie-broker:${brokerId}:*`));
      const broker = await startBrokerProcess({
        config,
        port: port ?? (await freePort()),
        ...(variant.processes ? { processes: variant.processes } : {}),
        ...(variant.main ? { main: variant.main } : {}),
      });
      closers.push(() => broker.stop());
      return {
        broker,
        config,
        view: {
          url: `${broker.url}/fhir/Patient/${DEMO_NHS_NUMBERS.rich}/$everything`,
          headers: { accept: 'application/fhir+json', authorization },
        },
        direct: {
          sources: config.sources,
          signingKeyPem,
          ...(federationKeyPem ? { federationKeyPem } : {}),
          brokerId,
          nhsNumber: DEMO_NHS_NUMBERS.rich,
        },
      };
    };

    const first = await startBroker(options, brokerPort);
    const load = startLoadProcess();
    closers.push(() => load.stop());
    return { ...first, region, load, startBroker: (variant) => startBroker(variant), close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
