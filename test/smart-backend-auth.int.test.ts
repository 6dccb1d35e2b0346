import type { Bundle } from '@medplum/fhirtypes';
import { SmartBackendAuth } from '../adapters/auth/smart-backend-auth';
import { SourceHttpClient } from '../adapters/http/source-http-client';
import { UpstreamFailure } from '../adapters/upstream-failure';
import { loadSigningKey } from '../core/trust/signing-key';
import type { RunningFhirNode } from '../sim/fhir-node';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { getFhir, reasonOf, sourceIssues, statusOf } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

describe('SMART Backend Services between the broker and the trusts', () => {
  let t: TestRegion;
  let acute: RunningFhirNode;
  beforeAll(async () => {
    t = await startTestRegion();
    acute = t.region.nodes.acute as RunningFhirNode;
  });
  afterAll(() => t.close());

  it('when a trust requires tokens, then the broker gets one with a signed assertion and the trust answers', async () => {
    const unauthenticated = await fetch(`${acute.baseUrl}/Condition?patient=x`);
    expect(unauthenticated.status).toBe(401);

    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(sourceIssues(body, 'acute')).toEqual([]);
    expect((body.entry ?? []).some((e) => e.resource?.id?.startsWith('acute-'))).toBe(true);
  });

  it('when views follow one another, then the token is reused until it nears expiry', async () => {
    const before = acute.tokens!.issued();
    await getFhir(`${t.fhir}/Patient/${RICH}/$everything`);
    await getFhir(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(acute.tokens!.issued()).toBe(before);
  });

  it('when the trust forgets its tokens, then the broker renews once on the 401 and the view is whole', async () => {
    acute.tokens!.revokeAll();
    const before = acute.tokens!.issued();
    const { body } = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(sourceIssues(body, 'acute')).toEqual([]);
    expect(acute.tokens!.issued()).toBe(before + 1);
  });

  it('when the broker publishes its keys, then the JWKS holds their public halves only', async () => {
    const jwks = (await (await fetch(`${t.broker.url}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    // The (ephemeral) signing key, and beside it the ephemeral Ed25519 key for requester assertions.
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(jwks.keys[1]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });

  it('when a client signs with a key the trust does not know, then the token is refused and that source is rejected', async () => {
    const stranger = new SmartBackendAuth({
      tokenUrl: `${new URL(acute.baseUrl).origin}/auth/token`,
      clientId: 'demo-broker',
      scope: 'system/*.read',
      key: await loadSigningKey(),
      client: new SourceHttpClient({ maxSockets: 2, maxResponseBytes: 65536, userAgent: 'test' }),
    });
    const refused = await stranger
      .authorization({ signal: AbortSignal.timeout(2000), trace: { requestId: 'r' } })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(UpstreamFailure);
    expect((refused as UpstreamFailure).status).toBe('rejected');
    expect((refused as UpstreamFailure).issue.reason).toBe('token-http-400');
  });

  it('when a trust refuses every token, then its outcome says so and the rest of the view is whole', async () => {
    const other = await startTestRegion({
      trust: { clientId: 'someone-else', jwksUrl: () => 'http://127.0.0.1:9/jwks' },
    });
    try {
      const { status, body } = await getFhir<Bundle>(`${other.fhir}/Patient/${RICH}/$everything`);
      expect(status).toBe(200);
      const [issue] = sourceIssues(body, 'mental-health');
      expect(statusOf(issue)).toBe('rejected');
      expect(reasonOf(issue)).toBe('token-http-400');
      expect(issue?.details?.text).toMatch(/refused the broker an access token/);
      expect((body.entry ?? []).some((e) => e.resource?.id?.startsWith('gp-'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
