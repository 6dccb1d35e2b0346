import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deepMerge, loadConfig, projectRoot } from '../config/load-config';
import { isRecordSource, type BrokerConfig } from '../config/schema';
import type { RunningRegion } from './start-region';

export const DEMO_CONFIG_FILE = (): string => path.join(projectRoot(), 'config', 'demo.yaml');

/**
 * The demo region's broker configuration (config/demo.yaml), with each source pointed at the
 * running node of the same id. Used by the tests and benchmarks, whose nodes listen on port 0.
 */
export function regionConfig(
  region: { readonly nodes: Readonly<Record<keyof RunningRegion['nodes'], { readonly baseUrl: string }>> },
  overrides: {
    server?: Record<string, unknown>;
    federation?: Record<string, unknown>;
    sources?: Record<string, unknown>;
    auth?: Record<string, unknown>;
    /** The audit store; by default a fresh file journal in a temporary directory. */
    audit?: Record<string, unknown>;
    /** Anything else (objections, sensitiveData, redis…), layered last. */
    extra?: Record<string, unknown>;
    /** Sources beyond the demo's, appended as given (e.g. a simulated PDS). */
    extraSources?: readonly Record<string, unknown>[];
  } = {},
): BrokerConfig {
  const demo = loadConfig({ file: DEMO_CONFIG_FILE(), env: {} });
  // The demo's PDS is the demo's own (sim/demo.ts): a test region has one only when it asks (extraSources).
  const sources = demo.sources.filter(isRecordSource).map((source) => {
    const node = region.nodes[source.id as keyof RunningRegion['nodes']];
    if (!node) throw new Error(`config/demo.yaml names a source with no simulated node: ${source.id}`);
    // A token endpoint moves with its node.
    const auth =
      'auth' in source && source.auth
        ? { auth: { ...source.auth, tokenUrl: `${new URL(node.baseUrl).origin}/auth/token` } }
        : {};
    return { ...source, baseUrl: node.baseUrl, ...auth, ...overrides.sources };
  });
  return loadConfig({
    file: DEMO_CONFIG_FILE(),
    env: {},
    overrides: deepMerge(
      {
        server: { port: 0, host: '127.0.0.1', shutdownGraceMs: 1000, ...overrides.server },
        logging: { level: 'silent' },
        ...(overrides.federation ? { federation: overrides.federation } : {}),
        ...(overrides.auth ? { auth: overrides.auth } : {}),
        audit: overrides.audit ?? {
          store: { kind: 'file', directory: mkdtempSync(path.join(tmpdir(), 'hie-audit-')) },
        },
        sources: [...sources, ...(overrides.extraSources ?? [])],
      },
      overrides.extra ?? {},
    ),
  });
}
