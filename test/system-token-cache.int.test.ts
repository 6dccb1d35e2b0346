import { loadSigningKey } from '../core/trust/signing-key';
import { TrustError } from '../core/trust/trust-error';
import { PeerRegistry } from '../broker/trust/peer-registry';
import { SystemTokens } from '../broker/trust/system-tokens';

const ISSUER = 'https://hie.test/fhir';
const peer = {
  clientId: 'neighbour',
  name: 'Neighbouring ICS',
  jwksUrl: 'https://neighbour.test/.well-known/jwks.json',
  roles: ['R8000'],
  organisations: [{ odsCode: 'Y90001', sites: [] }],
};

describe('access tokens this broker issued are verified once, never past their time', () => {
  it('when a peer sends the same token again, then its grant is the one already verified (no second signature check)', async () => {
    const tokens = new SystemTokens({
      key: await loadSigningKey(),
      issuer: ISSUER,
      peers: new PeerRegistry([peer]),
    });
    const { token } = await tokens.issue('neighbour', 'system/*.read');
    const first = await tokens.verifyAccessToken(token);
    const second = await tokens.verifyAccessToken(token);
    expect(first).toEqual({ clientId: 'neighbour', scope: 'system/*.read' });
    // The very object remembered, and frozen: no request can change it for the next.
    expect(second).toBe(first);
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('when a remembered token has expired, then it is refused', async () => {
    let now = Date.now();
    const tokens = new SystemTokens({
      key: await loadSigningKey(),
      issuer: ISSUER,
      peers: new PeerRegistry([peer]),
      lifetimeSeconds: 1,
      clock: () => now,
    });
    const { token } = await tokens.issue('neighbour', 'system/*.read');
    await tokens.verifyAccessToken(token);
    // Past exp by the cache's clock, and (after the wait) by jose's as well.
    now += 2_000;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expect(tokens.verifyAccessToken(token)).rejects.toBeInstanceOf(TrustError);
  });

  it('when a peer token was remembered, then it is still no event system token, and a forged one is refused', async () => {
    const tokens = new SystemTokens({
      key: await loadSigningKey(),
      issuer: ISSUER,
      peers: new PeerRegistry([peer]),
    });
    const { token } = await tokens.issue('neighbour', 'system/*.read');
    await tokens.verifyAccessToken(token);
    await expect(tokens.verifyEventSystemToken(token)).rejects.toMatchObject({
      reason: 'the access token is not valid',
    });
    const other = new SystemTokens({
      key: await loadSigningKey(),
      issuer: ISSUER,
      peers: new PeerRegistry([peer]),
    });
    const forged = (await other.issue('neighbour', 'system/*.read')).token;
    await expect(tokens.verifyAccessToken(forged)).rejects.toMatchObject({
      reason: 'the access token is not valid',
    });
  });

  it('when the client is no longer a peer, then its remembered token is refused', async () => {
    const key = await loadSigningKey();
    const issuing = new SystemTokens({ key, issuer: ISSUER, peers: new PeerRegistry([peer]) });
    const { token } = await issuing.issue('neighbour', 'system/*.read');
    // The same key, with the peer removed from the registry (a restart with new configuration).
    const after = new SystemTokens({ key, issuer: ISSUER, peers: new PeerRegistry([]) });
    await expect(after.verifyAccessToken(token)).rejects.toMatchObject({
      reason: 'the token names a client that is no longer a peer',
    });
    await expect(after.verifyAccessToken(token)).rejects.toMatchObject({
      reason: 'the token names a client that is no longer a peer',
    });
  });
});
