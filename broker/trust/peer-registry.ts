import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

export interface PeerConfig {
  readonly clientId: string;
  readonly name: string;
  readonly jwksUrl: string;
}

/** The neighbouring brokers allowed to call this one, and their public keys (fetched and cached by jose). */
export class PeerRegistry {
  private readonly keys = new Map<string, JWTVerifyGetKey>();
  private readonly peers: ReadonlyMap<string, PeerConfig>;

  constructor(peers: readonly PeerConfig[]) {
    this.peers = new Map(peers.map((p) => [p.clientId, p]));
  }

  get(clientId: string): PeerConfig | undefined {
    return this.peers.get(clientId);
  }

  keysFor(clientId: string): JWTVerifyGetKey | undefined {
    const peer = this.peers.get(clientId);
    if (!peer) return undefined;
    let keys = this.keys.get(clientId);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(peer.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
      this.keys.set(clientId, keys);
    }
    return keys;
  }
}
