import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SmartBackendAuth } from '../adapters/auth/smart-backend-auth';
import { SourceHttpClient } from '../adapters/http/source-http-client';
import { loadSigningKey } from '../broker/trust/signing-key';
import type { BrokerConfig } from '../config/schema';
import { NHS_NUMBER_SYSTEM } from '../broker/fhir/systems';
import { PATIENT_SEARCH_PARAM } from '../broker/fhir/resource-types';
import { freePort } from '../sim/free-port';
import { regionConfig } from '../sim/region-config';
import { startRegion } from '../sim/start-region';
import { DEMO_NHS_NUMBERS, SIM_NODE_IDS, type SimNodeId } from '../sim/population/types';
import { startBrokerProcess } from './broker-process';
import { closedLoop } from './closed-loop';
import { openLoop } from './open-loop';
import { median, round, summarise, type LatencySummary } from './stats';

export interface OverheadOptions {
  readonly latencyMs: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Views a second for the latency comparison: a steady load, below saturation. */
  readonly ratePerSecond: number;
  /** Connections for the throughput run (autocannon, closed loop, saturating). */
  readonly connections: number;
}

export interface OverheadRound {
  /** The view at a steady rate. */
  readonly view: LatencySummary & { readonly errors: number };
  /** The slowest node asked directly, at the same rate, with the same client. */
  readonly direct: LatencySummary & { readonly node: SimNodeId };
  /** autocannon at `connections`: the most views a second. */
  readonly saturated: LatencySummary & { readonly errors: number };
  readonly cpuMsPerView: number;
}

export interface OverheadResult {
  readonly options: OverheadOptions;
  readonly rounds: readonly OverheadRound[];
  readonly median: {
    readonly viewP50: number;
    readonly viewP99: number;
    readonly directP50: number;
    readonly directP99: number;
    readonly ratioP50: number;
    readonly ratioP99: number;
    readonly addedP50Ms: number;
    readonly addedP99Ms: number;
    readonly saturatedViewsPerSecond: number;
    readonly saturatedP99: number;
    readonly cpuMsPerView: number;
  };
  readonly peakRssMb: number;
  readonly resourcesPerView: number;
}

/**
 * The broker's cost over the slowest source. Five nodes at a fixed latency; the view of the rich
 * patient is opened at a steady rate; in the same run and at the same rate, with the same client,
 * the slowest node is asked directly for the same record with the same protocol (find the patient,
 * then its searches in parallel): the least any client could wait for it. Then autocannon saturates
 * the broker for its throughput. Rounds repeat all three, so drift hits every figure alike.
 */
export async function runOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const brokerPort = await freePort();
  const brokerUrl = `http://127.0.0.1:${brokerPort}`;
  const region = await startRegion({
    latencyMs: options.latencyMs,
    populationOptions: { size: 200 },
    trust: { clientId: 'demo-broker', jwksUrl: () => `${brokerUrl}/.well-known/jwks.json` },
  });
  // One key for the broker process and for the direct client, so both can hold the trusts' tokens.
  const pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const keyFile = path.join(tmpdir(), `hie-bench-key-${process.pid}.pem`);
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const signingKey = await loadSigningKey(pem);
  const tokenClient = new SourceHttpClient({ maxSockets: 4, maxResponseBytes: 65536, userAgent: 'bench' });
  const demo = regionConfig(region);
  const config: BrokerConfig = { ...demo, broker: { ...demo.broker, signingKey: { file: keyFile } } };
  const broker = await startBrokerProcess(config, brokerPort);
  const nhs = DEMO_NHS_NUMBERS.rich;
  const viewUrl = `${broker.url}/fhir/Patient/${nhs}/$everything`;
  const headers = { accept: 'application/fhir+json' };
  const baseHeaders = headers;
  // The direct client holds a token as the broker does, so the baseline pays no token round trip either.
  const tokens = new Map<string, string>();
  const directAuth = async (source: BrokerConfig['sources'][number]): Promise<Record<string, string>> => {
    if (source.kind !== 'fhir-r4' || !source.auth) return {};
    let token = tokens.get(source.id);
    if (!token) {
      const auth = new SmartBackendAuth({ ...source.auth, key: signingKey, client: tokenClient });
      token = await auth.authorization({ signal: AbortSignal.timeout(5000), trace: { requestId: 'bench' } });
      tokens.set(source.id, token);
    }
    return { authorization: token };
  };
  try {
    const warm = await fetch(viewUrl, { headers });
    const warmBody = (await warm.json()) as { total?: number };
    if (warm.status !== 200) throw new Error(`the view answered HTTP ${warm.status}`);

    const directRecord = async (node: SimNodeId): Promise<void> => {
      const source = config.sources.find((s) => s.id === node)!;
      const headers = { ...baseHeaders, ...(await directAuth(source)) };
      const found = await fetch(
        `${source.baseUrl}/Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${nhs}`)}`,
        { headers },
      );
      const bundle = (await found.json()) as { entry?: { resource: { id: string } }[] };
      const localId = bundle.entry![0]!.resource.id;
      await Promise.all(
        source.supplies.map(async (type) => {
          const r = await fetch(
            `${source.baseUrl}/${type}?${PATIENT_SEARCH_PARAM[type]}=${localId}&_count=${source.pageSize}`,
            { headers },
          );
          await r.arrayBuffer();
        }),
      );
    };

    const viewTask = async (): Promise<void> => {
      const r = await fetch(viewUrl, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    };
    const steady = { ratePerSecond: options.ratePerSecond, seconds: options.seconds };

    const rounds: OverheadRound[] = [];
    for (let round_ = 0; round_ < options.rounds; round_++) {
      // The slowest node, called directly: each node briefly, then the slowest at the steady rate.
      const quick = await Promise.all(
        SIM_NODE_IDS.map(async (node) => {
          const r = await closedLoop({ concurrency: 1, seconds: 1, task: () => directRecord(node) });
          return { node, p50: median(r.latencies) };
        }),
      );
      const slowest = quick.reduce((a, b) => (b.p50 > a.p50 ? b : a)).node;
      const direct = await openLoop({ ...steady, task: () => directRecord(slowest) });

      const cpuBefore = broker.cpuMs();
      const view = await openLoop({ ...steady, task: viewTask });
      const cpuMs = broker.cpuMs() - cpuBefore;

      const saturated = await autocannon({
        url: viewUrl,
        headers,
        connections: options.connections,
        duration: options.seconds,
      });
      rounds.push({
        view: { ...summarise(view.latencies, view.seconds), errors: view.errors + view.dropped },
        direct: { ...summarise(direct.latencies, direct.seconds), node: slowest },
        saturated: {
          count: saturated.requests.total,
          p50: round(saturated.latency.p50),
          p99: round(saturated.latency.p99),
          perSecond: round(saturated.requests.average),
          errors: saturated.errors + saturated.non2xx + saturated.timeouts,
        },
        cpuMsPerView: round(cpuMs / Math.max(1, view.latencies.length), 2),
      });
    }
    const m = (pick: (r: OverheadRound) => number): number => round(median(rounds.map(pick)), 2);
    return {
      options,
      rounds,
      median: {
        viewP50: m((r) => r.view.p50),
        viewP99: m((r) => r.view.p99),
        directP50: m((r) => r.direct.p50),
        directP99: m((r) => r.direct.p99),
        ratioP50: m((r) => r.view.p50 / r.direct.p50),
        ratioP99: m((r) => r.view.p99 / r.direct.p99),
        addedP50Ms: m((r) => r.view.p50 - r.direct.p50),
        addedP99Ms: m((r) => r.view.p99 - r.direct.p99),
        saturatedViewsPerSecond: m((r) => r.saturated.perSecond),
        saturatedP99: m((r) => r.saturated.p99),
        cpuMsPerView: m((r) => r.cpuMsPerView),
      },
      peakRssMb: round(broker.peakRssMb()),
      resourcesPerView: warmBody.total ?? 0,
    };
  } finally {
    await broker.stop();
    await region.close();
    await tokenClient.close();
  }
}
