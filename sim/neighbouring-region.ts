import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load-config';
import { createLogger } from '../broker/observability/logger';
import { startBroker } from '../broker/start-broker';
import { startFhirNode } from './fhir-node';
import type { NodeDataset } from './population/types';
import type { RunningSimNode } from './sim-node-base';
import type { RegisteredClient } from './smart-token-endpoint';

export interface NeighbouringRegionOptions {
  readonly dataset: NodeDataset;
  readonly latencyMs?: number | (() => number);
  /** Repeated requests are answered from the body first produced for them (benchmarks). */
  readonly cacheAnswers?: boolean;
  /** The peer broker's port (the demo); otherwise any free one. */
  readonly port?: number;
  readonly host?: string;
  /** Our broker, as the peer knows it: its client id and JWKS. */
  readonly caller: RegisteredClient;
  /** Who our broker may vouch for there (default: CALLER_ALLOWLIST, the demo region's clinicians). */
  readonly callerAllowlist?: {
    readonly roles: readonly string[];
    readonly organisations: readonly { readonly odsCode: string }[];
  };
  /** The FHIR base URL callers use, when the peer stands behind a proxy. */
  readonly publicBaseUrl?: string;
  /** Paging and size limits of the peer's own source, for records bigger than its defaults allow. */
  readonly storeLimits?: {
    readonly pageSize?: number;
    readonly maxPages?: number;
    readonly maxResponseBytes?: number;
  };
  /** The peer's rate limits per user, organisation and peer (default: the broker's); a benchmark lifts them. */
  readonly rateLimit?: {
    readonly perUser: { readonly points: number; readonly durationSeconds: number };
    readonly perOrganisation: { readonly points: number; readonly durationSeconds: number };
    readonly perPeer?: { readonly points: number; readonly durationSeconds: number };
  };
}

/** The neighbouring region's own broker: the peer our broker asks, with its own record store behind it. */
export const NEIGHBOUR = {
  brokerId: 'north-thames',
  name: 'North Thames Shared Care Record',
  odsCode: 'Q9X',
  store: { id: 'nt-store', name: 'North Thames Care Record Store', odsCode: 'Y90201' },
} as const;

/**
 * Who the neighbouring broker lets our broker vouch for: the demo region's clinical roles and every
 * organisation the demo's personas belong to (exact ODS codes).
 */
export const CALLER_ALLOWLIST = {
  roles: ['R8000', 'R8001', 'R8002', 'R8003', 'R8010'],
  organisations: ['Y90001', 'R1X', 'R1Y', 'R1Z', 'Y90301', 'Y99999'].map((odsCode) => ({ odsCode })),
} as const;

/**
 * A real HIE Broker for the neighbouring region (the same code as ours), in front of a simulated
 * FHIR node holding that region's records. Our broker reaches it broker to broker; faults set on
 * the returned node are acted out by the record store behind the peer, as they would be in life.
 */
export async function startNeighbouringRegion(options: NeighbouringRegionOptions): Promise<RunningSimNode> {
  const store = await startFhirNode({
    dataset: options.dataset,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.cacheAnswers ? { cacheAnswers: true } : {}),
  });
  try {
    const config = loadConfig({
      env: {},
      overrides: {
        server: {
          host: options.host ?? '127.0.0.1',
          port: options.port ?? 0,
          shutdownGraceMs: 1000,
          // The audience of the assertions it accepts: its address as our broker knows it, never a Host header.
          ...(options.publicBaseUrl
            ? { publicBaseUrl: options.publicBaseUrl }
            : options.port
              ? { publicBaseUrl: `http://${options.host ?? '127.0.0.1'}:${options.port}/fhir` }
              : {}),
        },
        broker: {
          id: NEIGHBOUR.brokerId,
          name: NEIGHBOUR.name,
          odsCode: NEIGHBOUR.odsCode,
          // A simulation: a fresh key each run is what it wants.
          allowEphemeralSigningKey: true,
        },
        federation: { deadlineMs: 4000, sourceTimeoutMs: 3500 },
        sources: [
          {
            ...NEIGHBOUR.store,
            kind: 'fhir-r4',
            baseUrl: store.baseUrl,
            ...options.storeLimits,
            supplies: [
              'Condition',
              'MedicationStatement',
              'AllergyIntolerance',
              'DocumentReference',
              'Encounter',
            ],
          },
        ],
        peers: [
          {
            clientId: options.caller.clientId,
            name: 'Calling broker',
            jwksUrl: options.caller.jwksUrl(),
            roles: [...(options.callerAllowlist ?? CALLER_ALLOWLIST).roles],
            organisations: (options.callerAllowlist ?? CALLER_ALLOWLIST).organisations.map((o) => ({ ...o })),
          },
        ],
        logging: { level: 'silent' },
        ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
        // The simulated peer's own audit trail: a file journal that lasts as long as the simulation.
        audit: {
          store: { kind: 'file', directory: mkdtempSync(path.join(tmpdir(), 'hie-neighbour-audit-')) },
        },
      },
    });
    // On a port the system chooses, the address it listens on is its public base URL.
    const listensAnywhere = !options.publicBaseUrl && !options.port;
    const broker = await startBroker(config, createLogger({ level: 'silent' }), {
      ...(listensAnywhere ? { publicBaseUrl: 'listening-address' as const } : {}),
    });
    return {
      ...store,
      baseUrl: `${broker.url}/fhir`,
      port: broker.port,
      close: async () => {
        await broker.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
