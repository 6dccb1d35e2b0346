import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Requester } from '../../core/requester';

export interface PeerConfig {
  readonly clientId: string;
  readonly name: string;
  readonly jwksUrl: string;
  /** The national RBAC roles this peer may vouch for. */
  readonly roles: readonly string[];
  /** The organisations (and their sites) whose users this peer may vouch for. */
  readonly organisations: readonly { readonly odsCode: string; readonly sites: readonly string[] }[];
}

/** Why a peer may not vouch for a person: which part of its allowlist the person is outside. */
export interface AllowlistRefusal {
  readonly reason: 'peer-role' | 'peer-organisation';
  readonly text: string;
}

/** The neighbouring brokers allowed to call this one, and their public keys (fetched and cached by jose). */
export class PeerRegistry {
  private readonly keys = new Map<string, JWTVerifyGetKey>();
  private readonly peers: ReadonlyMap<string, PeerConfig>;
  /** Per peer, every ODS code its users may belong to: organisations and their sites, compared exactly. */
  private readonly organisations: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(peers: readonly PeerConfig[]) {
    this.peers = new Map(peers.map((p) => [p.clientId, p]));
    this.organisations = new Map(
      peers.map((p) => [p.clientId, new Set(p.organisations.flatMap((o) => [o.odsCode, ...o.sites]))]),
    );
  }

  get(clientId: string): PeerConfig | undefined {
    return this.peers.get(clientId);
  }

  /**
   * Whether the peer may vouch for this person: their role and their organisation must both be on
   * its allowlist (exactly; `RQM` does not admit `RQ` or `RQM99`). Undefined when it may.
   */
  refusal(clientId: string, person: Requester): AllowlistRefusal | undefined {
    const peer = this.peers.get(clientId);
    if (!peer) return { reason: 'peer-role', text: 'The calling broker is not a peer of this broker.' };
    if (!peer.roles.includes(person.role)) {
      return {
        reason: 'peer-role',
        text: `${peer.name} may not vouch for role ${person.role.slice(0, 12)} here; it may vouch for ${peer.roles.join(', ')}. Ask this broker's operator to extend the peer's allowlist if this role needs access.`,
      };
    }
    if (!this.organisations.get(clientId)?.has(person.organisationOds)) {
      return {
        reason: 'peer-organisation',
        text: `${peer.name} may not vouch for users of organisation ${person.organisationOds.slice(0, 16)} here: it is not on the peer's allowlist. Ask this broker's operator to add the organisation (or the site, under its organisation) if its users need access.`,
      };
    }
    return undefined;
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
