import express from 'express';
import { listenNode } from '../../sim/sim-faults';
import type { SigningKey } from '../../core/trust/signing-key';
import { startPdsNode, type PdsNodeOptions } from '../../sim/pds-node';
import type { RunningSimNode } from '../../sim/sim-node-base';

/** The API key the tests' broker holds on the simulated API platform. */
export const PDS_API_KEY = 'test-broker-pds-key';

/** A JWKS for a key, served on port 0: where the simulated PDS reads the broker's public key. */
export async function servedJwks(key: SigningKey): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.get('/jwks.json', (_req, res) => {
    res.json({ keys: [key.publicJwk] });
  });
  const server = await listenNode(app, {});
  return { url: `http://${server.host}:${server.port}/jwks.json`, close: server.close };
}

/** A simulated PDS whose one client is the given JWKS's holder. */
export function startTestPds(
  options: Omit<PdsNodeOptions, 'client'> & { jwksUrl: () => string },
): Promise<RunningSimNode> {
  const { jwksUrl, ...rest } = options;
  return startPdsNode({ ...rest, client: { clientId: PDS_API_KEY, jwksUrl } });
}

/** The `kind: pds` source for a simulated PDS. */
export function pdsSource(
  node: RunningSimNode,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'pds',
    kind: 'pds',
    baseUrl: node.baseUrl,
    auth: {
      type: 'signed-jwt',
      tokenUrl: `${new URL(node.baseUrl).origin}/oauth2/token`,
      apiKey: PDS_API_KEY,
    },
    ...extra,
  };
}
