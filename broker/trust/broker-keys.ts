import type { JWK } from 'jose';
import type { BrokerConfig } from '../../config/schema';
import { ConfigError } from '../../config/load-config';
import { readSecret } from '../../core/trust/secret';
import {
  loadFederationKey,
  loadSigningKey,
  publicJwkOf,
  type FederationKey,
  type SigningKey,
} from '../../core/trust/signing-key';
import type { Logger } from '../observability/logger';

/** The broker's own keys, and the JWKS that publishes their public halves. */
export interface BrokerKeys {
  /** Signs SMART client assertions (ES384/RS384), notifications and PDS requests. */
  readonly signingKey: SigningKey;
  /** Signs requester assertions to peer brokers. */
  readonly federationKey: FederationKey;
  /** Served at /.well-known/jwks.json: the signing key, the federation key, and any keys of a rotation. */
  readonly jwks: { readonly keys: JWK[] };
}

/**
 * Loads the broker's keys from their configured secrets (an ephemeral signing key, with a warning,
 * when none is configured), and the JWKS a rotation's overlap publishes beside them.
 */
export async function loadBrokerKeys(config: BrokerConfig, logger: Logger): Promise<BrokerKeys> {
  const signingKey = await loadSigningKey(
    config.broker.signingKey ? readSecret(config.broker.signingKey) : undefined,
  );
  if (!config.broker.signingKey)
    logger.warn('no broker.signingKey configured: using an ephemeral key for this run');
  const federationKey = await brokerFederationKey(config, signingKey);
  // A rotation's overlap: the next (or previous) key is served beside the signing and federation keys.
  const published = await Promise.all(config.broker.publishedKeys.map((ref) => publicJwkOf(readSecret(ref))));
  const jwks = {
    keys: [signingKey.publicJwk, federationKey.publicJwk, ...published].filter(
      (jwk, index, all) => all.findIndex((other) => other.kid === jwk.kid) === index,
    ),
  };
  return { signingKey, federationKey, jwks };
}

/**
 * The key requester assertions to peers are signed with: the configured federation key; else the
 * configured signing key (every process and every peer's cached JWKS already know it); else, with an
 * ephemeral signing key anyway, an ephemeral Ed25519 key, the cheapest to sign and verify.
 */
async function brokerFederationKey(config: BrokerConfig, signingKey: SigningKey): Promise<FederationKey> {
  if (config.broker.federationKey) {
    const pem = readSecret(config.broker.federationKey);
    try {
      return await loadFederationKey(pem);
    } catch (cause) {
      // A P-384 or RSA key here is most likely the signing key: it signs requester assertions anyway.
      throw new ConfigError(
        [
          {
            path: 'broker.federationKey',
            message:
              'must be an Ed25519 or EC P-256 private key (PEM); leave it out to sign requester assertions with broker.signingKey',
          },
        ],
        { cause },
      );
    }
  }
  return config.broker.signingKey ? signingKey : loadFederationKey();
}
