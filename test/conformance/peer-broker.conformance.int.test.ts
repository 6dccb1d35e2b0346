import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SmartBackendAuth } from '../../adapters/auth/smart-backend-auth';
import { PeerBrokerAdapter } from '../../adapters/broker/peer-broker-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { loadSigningKey, type SigningKey } from '../../core/trust/signing-key';
import { startPeerBrokerNode } from '../../sim/peer-broker-node';
import { describeAdapterConformance } from './adapter-conformance';

// The calling broker's key, published at a JWKS URL the peer reads, as our broker's would be.
let key: SigningKey;
let jwks: Server;
beforeAll(async () => {
  key = await loadSigningKey(
    generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  );
  jwks = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [key.publicJwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

describeAdapterConformance({
  name: 'Peer broker',
  datasetNode: 'neighbouring-ics',
  resourceTypes: ['Condition', 'Encounter'],
  startNode: (dataset) =>
    startPeerBrokerNode({
      dataset,
      caller: {
        clientId: 'conformance-broker',
        jwksUrl: () => `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/`,
      },
    }),
  createAdapter: async (node, limits) => {
    const client = new SourceHttpClient({ maxSockets: 8, ...limits, userAgent: 'conformance' });
    const tokenClient = new SourceHttpClient({
      maxSockets: 2,
      maxResponseBytes: 65536,
      userAgent: 'conformance',
    });
    return new PeerBrokerAdapter({
      source: {
        id: 'north-thames',
        kind: 'broker',
        name: 'North Thames',
        odsCode: 'Q9X',
        baseUrl: node.baseUrl,
        supplies: ['Condition', 'Encounter'],
      },
      client,
      auth: new SmartBackendAuth({
        tokenUrl: `${new URL(node.baseUrl).origin}/auth/token`,
        clientId: 'conformance-broker',
        scope: 'system/*.read',
        key,
        client: tokenClient,
      }),
      key,
      brokerId: 'conformance-broker',
      onFault: (error) => {
        throw error;
      },
    });
  },
});
