import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { EventSystemConfig } from '../../config/schema';

/**
 * The systems registered for real-time events (config `events.systems`): sources that send events and
 * subscribers that receive notifications, with their public keys (fetched and cached by jose).
 */
export class EventSystemRegistry {
  private readonly keys = new Map<string, JWTVerifyGetKey>();
  private readonly systems: ReadonlyMap<string, EventSystemConfig>;

  constructor(systems: readonly EventSystemConfig[]) {
    this.systems = new Map(systems.map((s) => [s.clientId, s]));
  }

  get(clientId: string): EventSystemConfig | undefined {
    return this.systems.get(clientId);
  }

  keysFor(clientId: string): JWTVerifyGetKey | undefined {
    const system = this.systems.get(clientId);
    if (!system) return undefined;
    let keys = this.keys.get(clientId);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(system.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
      this.keys.set(clientId, keys);
    }
    return keys;
  }
}
