import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSigningKey, type SigningKey } from '../../core/trust/signing-key';
import { deepMerge, loadConfig } from '../../config/load-config';
import { createLogger } from '../../broker/observability/logger';
import { startBroker, type RunningBroker } from '../../broker/start-broker';
import { testIdentity } from './identity';
import { captureLogs } from './log-capture';
import type { ReservedPort } from './reserved-port';
import { CALLER_ALLOWLIST } from '../../sim/neighbouring-region';

export interface BrokerUnderTest extends RunningBroker {
  readonly id: string;
  readonly fhir: string;
  /** The broker's signing key, so a test can act as this broker towards its peers. */
  readonly signingKey: SigningKey;
  readonly jwksUrl: string;
  readonly logs: Record<string, unknown>[];
}

/**
 * A broker with the given identity, sources and peers, logs captured: on port 0 (its public base URL
 * is then the address it listens on), or on a port reserved in advance (`reservePort`) when another
 * broker's configuration must name it first.
 */
export async function startBrokerUnderTest(options: {
  id: string;
  odsCode?: string;
  listenOn?: ReservedPort;
  /** The broker's signing key (PEM); a fresh one by default. */
  pem?: string;
  sources: readonly Record<string, unknown>[];
  peers?: readonly Record<string, unknown>[];
  hopLimit?: number;
  federation?: { deadlineMs: number; sourceTimeoutMs: number };
  /** Any other settings (server limits, rateLimit, redis), layered last. */
  config?: Record<string, unknown>;
}): Promise<BrokerUnderTest> {
  const pem =
    options.pem ??
    generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'hie-key-')), 'broker.pem');
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const { logs, destination } = captureLogs();
  const auditDirectory = mkdtempSync(path.join(tmpdir(), 'hie-audit-'));
  const config = loadConfig({
    env: {},
    overrides: deepMerge(
      {
        server: {
          host: '127.0.0.1',
          port: options.listenOn?.port ?? 0,
          shutdownGraceMs: 500,
          ...(options.listenOn ? { publicBaseUrl: `${options.listenOn.url}/fhir` } : {}),
        },
        broker: {
          id: options.id,
          name: `Broker ${options.id}`,
          odsCode: options.odsCode ?? 'X26',
          hopLimit: options.hopLimit ?? 3,
          signingKey: { file: keyFile },
        },
        ...(options.federation ? { federation: options.federation } : {}),
        sources: options.sources,
        peers: options.peers ?? [],
        auth: { issuers: [(await testIdentity()).issuerConfig()] },
        // Each broker its own journal (the embedded file store), unless the test configures one.
        audit: { store: { kind: 'file', directory: auditDirectory } },
      },
      options.config ?? {},
    ),
  });
  const broker = await startBroker(config, createLogger({ level: 'debug', destination }), {
    ...(options.listenOn
      ? { listenOn: options.listenOn.server }
      : { publicBaseUrl: 'listening-address' as const }),
  });
  return {
    ...broker,
    close: async () => {
      await broker.close();
      rmSync(auditDirectory, { recursive: true, force: true });
      rmSync(path.dirname(keyFile), { recursive: true, force: true });
    },
    id: options.id,
    fhir: `${broker.url}/fhir`,
    jwksUrl: `${broker.url}/.well-known/jwks.json`,
    signingKey: await loadSigningKey(pem),
    logs,
  };
}

/** A peer as a broker registers it, allowed to vouch for the demo region's clinicians (roles and organisations). */
export function registeredPeer(peer: {
  clientId: string;
  name: string;
  jwksUrl: string;
}): Record<string, unknown> {
  return {
    ...peer,
    roles: [...CALLER_ALLOWLIST.roles],
    organisations: CALLER_ALLOWLIST.organisations.map((o) => ({ ...o })),
  };
}

/** What a broker needs to call another as its neighbouring region. */
export function peerSource(
  peer: { url: string },
  options: { id: string; clientId: string; name?: string; odsCode?: string },
): Record<string, unknown> {
  return {
    id: options.id,
    kind: 'broker',
    name: options.name ?? `Region ${options.id}`,
    odsCode: options.odsCode ?? 'Q9X',
    baseUrl: `${peer.url}/fhir`,
    supplies: [
      'Condition',
      'MedicationStatement',
      'AllergyIntolerance',
      'Observation',
      'DocumentReference',
      'Encounter',
    ],
    auth: { type: 'smart-backend-services', tokenUrl: `${peer.url}/auth/token`, clientId: options.clientId },
  };
}

/** The first log line matching, waiting briefly: a request's log line is written as its response finishes. */
export async function logLine(
  logs: readonly Record<string, unknown>[],
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 50; i++) {
    const found = logs.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}
