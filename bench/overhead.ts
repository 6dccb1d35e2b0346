import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createAdapter } from '../adapters/create-adapter';
import { loadSigningKey } from '../broker/trust/signing-key';
import type { BrokerConfig } from '../config/schema';
import { freePort } from '../sim/free-port';
import { DemoIdentityProvider } from '../sim/identity-provider';
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
 * patient is opened at a steady rate; in the same run and at the same rate, the slowest source is
 * asked directly for the same record by its own adapter (its protocol, its round trips, its
 * conversion), which is the least any client could wait for it. Then autocannon saturates
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
  const idp = await DemoIdentityProvider.create();
  const demo = regionConfig(region, { auth: { issuers: [idp.issuerConfig()] } });
  // One benchmark user drives thousands of views: lift the per-user and per-organisation limits.
  const unlimited = { points: 1_000_000, durationSeconds: 60 };
  const config: BrokerConfig = {
    ...demo,
    broker: { ...demo.broker, signingKey: { file: keyFile } },
    rateLimit: { perUser: unlimited, perOrganisation: unlimited },
  };
  const broker = await startBrokerProcess(config, brokerPort);
  const nhs = DEMO_NHS_NUMBERS.rich;
  const viewUrl = `${broker.url}/fhir/Patient/${nhs}/$everything`;
  const headers = {
    accept: 'application/fhir+json',
    authorization: `Bearer ${await idp.token('ed-doctor')}`,
  };
  // Each source asked directly by its own adapter, in this process: its protocol and its time, without
  // the broker's HTTP layer, fan-out, merge or serialisation. The adapters hold tokens as the broker does.
  const direct = new Map(
    config.sources.map((source) => [
      source.id,
      createAdapter(source, {
        userAgent: 'bench-direct',
        signingKey,
        brokerId: config.broker.id,
        onFault: (_id, error) => {
          throw error;
        },
      }),
    ]),
  );
  try {
    const warm = await fetch(viewUrl, { headers });
    const warmBody = (await warm.json()) as { total?: number };
    if (warm.status !== 200) throw new Error(`the view answered HTTP ${warm.status}`);

    const directRecord = async (node: SimNodeId): Promise<void> => {
      const adapter = direct.get(node)!;
      const outcome = await adapter.fetch(
        {
          queryId: 'bench',
          nhsNumber: nhs,
          resourceTypes: adapter.source.supplies,
          requester: { userId: 'bench', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
          deadline: Date.now() + 10_000,
          chain: [],
        },
        { signal: AbortSignal.timeout(10_000), trace: { requestId: 'bench' } },
      );
      if (outcome.status !== 'ok') throw new Error(`${node} answered ${outcome.status}`);
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
    await Promise.all([...direct.values()].map((adapter) => adapter.close()));
  }
}
