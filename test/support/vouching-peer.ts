import { SmartBackendAuth } from '../../adapters/auth/smart-backend-auth';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import type { Requester } from '../../core/requester';
import { CHAIN_HEADER, REQUESTER_HEADER, signRequesterAssertion } from '../../core/trust/requester-assertion';
import { startBrokerUnderTest, type BrokerUnderTest } from './broker-under-test';

export interface VouchingPeer {
  readonly broker: BrokerUnderTest;
  /** What the broker under test lists under `peers` to trust this one. */
  readonly peerConfig: {
    clientId: string;
    name: string;
    jwksUrl: string;
    roles: string[];
    organisations: { odsCode: string }[];
  };
  /**
   * A GET to `path` under `target`'s FHIR base as this peer would make it: a SMART Backend Services
   * token from the target's own token endpoint, and a requester assertion signed with the peer's key.
   */
  get(
    target: { url: string },
    path: string,
    requester: Requester,
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** A real neighbouring broker (its own key and JWKS, on a port of its own) that a test speaks for. */
export async function startVouchingPeer(options: { id: string }): Promise<VouchingPeer> {
  const broker = await startBrokerUnderTest({
    id: options.id,
    odsCode: 'Q9X',
    sources: [
      {
        id: 'store',
        kind: 'fhir-r4',
        name: 'Store',
        odsCode: 'Y90201', // Never asked: the peer only speaks for its users here.
        baseUrl: 'http://127.0.0.1:9/fhir',
        supplies: ['Condition'],
      },
    ],
  });
  const client = new SourceHttpClient({ maxSockets: 2, maxResponseBytes: 8 << 20, userAgent: 'test-peer' });
  const auths = new Map<string, SmartBackendAuth>();
  const trace = { requestId: `peer-${options.id}` };
  return {
    broker,
    // The users these tests vouch for: clinical practitioners at these organisations.
    peerConfig: {
      clientId: options.id,
      name: `Peer ${options.id}`,
      jwksUrl: broker.jwksUrl,
      roles: ['R8000'],
      organisations: ['RAJ', 'R1X', 'Y90001'].map((odsCode) => ({ odsCode })),
    },
    async get(target, path, requester) {
      let auth = auths.get(target.url);
      if (!auth) {
        auth = new SmartBackendAuth({
          tokenUrl: `${target.url}/auth/token`,
          clientId: options.id,
          scope: 'system/*.read',
          key: broker.signingKey,
          client,
        });
        auths.set(target.url, auth);
      }
      const authorization = await auth.authorization({ signal: AbortSignal.timeout(5000), trace });
      const assertion = await signRequesterAssertion({
        key: broker.signingKey,
        issuer: options.id,
        audience: `${target.url}/fhir`,
        requester,
        // An assertion opens one patient's record: the one the path names.
        nhsNumber: /\d{10}/.exec(path)?.[0] ?? '',
      });
      const response = await fetch(`${target.url}/fhir${path}`, {
        headers: {
          accept: 'application/fhir+json',
          authorization,
          [REQUESTER_HEADER]: assertion,
          [CHAIN_HEADER]: options.id,
        },
      });
      return { status: response.status, body: JSON.parse(await response.text()) as unknown };
    },
    async close() {
      await client.close();
      await broker.close();
    },
  };
}
