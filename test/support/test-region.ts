import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../broker/observability/logger';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../broker/start-broker';
import { testIdentity } from './identity';
import { captureLogs } from './log-capture';
import { reservePort } from './reserved-port';
import { regionConfig } from '../../sim/region-config';
import { startRegion, type RegionOptions, type RunningRegion } from '../../sim/start-region';
import { SIM_NODE_IDS, type SimPerson } from '../../sim/population/types';
import type { PdsNodeOptions } from '../../sim/pds-node';
import type { RunningSimNode } from '../../sim/sim-node-base';
import { pdsSource, startTestPds } from './pds-region';

export interface TestRegion {
  readonly region: RunningRegion;
  readonly broker: RunningBroker;
  /** The broker's FHIR base URL. */
  readonly fhir: string;
  /** The simulated PDS, when the region was started with one (`pds`). */
  readonly pds?: RunningSimNode;
  /** Every log line the broker wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Clears every node's fault. */
  heal(): void;
  close(): Promise<void>;
}

/** Five simulated nodes and a broker in front of them, all on port 0, with logs captured at debug level. */
export async function startTestRegion(
  options: Partial<RegionOptions> & {
    federation?: { deadlineMs?: number; sourceTimeoutMs?: number; pageTtlMs?: number };
    sources?: Record<string, unknown>;
    /** The audit store (default: a fresh file journal in a temporary directory). */
    audit?: Record<string, unknown>;
    /** Other broker settings (objections, redis…), layered last. */
    config?: Record<string, unknown>;
    /** How the broker starts (e.g. with the viewer mounted). */
    brokerOptions?: StartBrokerOptions;
    /** A simulated PDS holding the region's population, configured as the broker's `kind: pds` source. */
    pds?: Omit<PdsNodeOptions, 'people' | 'client'> & {
      /** Settings of the `kind: pds` source (e.g. `trace`). */
      source?: Record<string, unknown>;
      /** People PDS knows beyond the region's population (e.g. a look-alike). */
      extraPeople?: readonly SimPerson[];
    };
  } = {},
): Promise<TestRegion> {
  // The neighbouring broker names ours as its peer before ours starts: our socket is held from now on.
  const reserved = await reservePort();
  const brokerUrl = reserved.url;
  const region = await startRegion({
    populationOptions: { size: 20 },
    trust: { clientId: 'demo-broker', jwksUrl: () => `${brokerUrl}/.well-known/jwks.json` },
    ...options,
  });
  const { source: pdsExtra, extraPeople = [], ...pdsOptions } = options.pds ?? {};
  const pds = options.pds
    ? await startTestPds({
        ...pdsOptions,
        people: [...region.population.people, ...extraPeople],
        jwksUrl: () => `${brokerUrl}/.well-known/jwks.json`,
      })
    : undefined;
  const { logs, destination } = captureLogs();
  const auditDirectory = mkdtempSync(path.join(tmpdir(), 'hie-audit-'));
  const config = regionConfig(region, {
    ...(options.federation ? { federation: options.federation } : {}),
    ...(options.sources ? { sources: options.sources } : {}),
    server: { port: reserved.port, publicBaseUrl: `${reserved.url}/fhir` },
    auth: { issuers: [(await testIdentity()).issuerConfig()] },
    audit: options.audit ?? { store: { kind: 'file', directory: auditDirectory } },
    ...(options.config ? { extra: options.config } : {}),
    ...(pds ? { extraSources: [pdsSource(pds, pdsExtra)] } : {}),
  });
  const broker = await startBroker(config, createLogger({ level: 'debug', destination }), {
    ...(options.brokerOptions ?? { delivery: 'relay-and-deliver' }),
    listenOn: reserved.server,
  });
  return {
    region,
    broker,
    ...(pds ? { pds } : {}),
    fhir: `${broker.url}/fhir`,
    logs,
    heal: () => SIM_NODE_IDS.forEach((id) => region.nodes[id].setFault(null)),
    close: async () => {
      await broker.close();
      await region.close();
      await pds?.close();
      rmSync(auditDirectory, { recursive: true, force: true });
    },
  };
}
