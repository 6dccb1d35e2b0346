import type { SourceConfig } from '../../config/schema';
import { readSecret } from '../../core/trust/secret';
import type { FederationKey, SigningKey } from '../../core/trust/signing-key';
import { AmbulanceEpcrAdapter } from '../../adapters/ambulance-epcr/ambulance-epcr-adapter';
import { GpConnectAdapter } from '../../adapters/gp-connect/gp-connect-adapter';
import { SmartBackendAuth } from '../../adapters/auth/smart-backend-auth';
import { PeerBrokerAdapter } from '../../adapters/broker/peer-broker-adapter';
import type { SourceAdapter, SourceDescriptor } from '../../core/source-contract';
import { FhirR4Adapter } from '../../adapters/fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import type { RetryReason } from '../../adapters/http/transient-retry';

export interface CreateAdapterOptions {
  readonly userAgent: string;
  /** The broker's signing key, for SMART Backend Services client assertions (ES384/RS384). */
  readonly signingKey: SigningKey;
  /** The broker's federation key, for requester assertions to peers (the signing key unless one is configured). */
  readonly federationKey: FederationKey;
  /** This broker's id, which extends the chain sent to peers. */
  readonly brokerId: string;
  readonly onFault: (sourceId: string, error: unknown) => void;
  /** Told of every retried request, e.g. for a metric. */
  readonly onRetry?: (sourceId: string, reason: RetryReason) => void;
}

function descriptor(source: SourceConfig): SourceDescriptor {
  return {
    id: source.id,
    kind: source.kind,
    name: source.name,
    odsCode: source.odsCode,
    baseUrl: source.baseUrl,
    replicas: source.replicas,
    supplies: source.supplies,
  };
}

function httpClient(source: SourceConfig, options: CreateAdapterOptions): SourceHttpClient {
  const { onRetry } = options;
  return new SourceHttpClient({
    maxSockets: source.maxSockets,
    maxResponseBytes: source.maxResponseBytes,
    userAgent: options.userAgent,
    retry: source.resilience.retry,
    ...(onRetry ? { onRetry: (reason: RetryReason) => onRetry(source.id, reason) } : {}),
  });
}

function smartAuth(
  auth: { tokenUrl: string; clientId: string; scope: string },
  client: SourceHttpClient,
  signingKey: SigningKey,
): SmartBackendAuth {
  return new SmartBackendAuth({ ...auth, key: signingKey, client });
}

/**
 * The one place that turns a source's configuration into its adapter, by kind. The adapter carries
 * the source's resilience settings, which the federation applies around it.
 */
export function createAdapter(source: SourceConfig, options: CreateAdapterOptions): SourceAdapter {
  const adapter = protocolAdapter(source, options);
  return Object.assign(adapter, { resilience: source.resilience });
}

function protocolAdapter(source: SourceConfig, options: CreateAdapterOptions): SourceAdapter {
  switch (source.kind) {
    case 'fhir-r4': {
      const client = httpClient(source, options);
      return new FhirR4Adapter({
        source: descriptor(source),
        client,
        maxPages: source.maxPages,
        pageSize: source.pageSize,
        searchBy: source.searchBy,
        ...(source.auth ? { auth: smartAuth(source.auth, client, options.signingKey) } : {}),
        onFault: (error) => options.onFault(source.id, error),
      });
    }
    case 'broker': {
      const client = httpClient(source, options);
      return new PeerBrokerAdapter({
        source: descriptor(source),
        client,
        auth: smartAuth(source.auth, client, options.signingKey),
        key: options.federationKey,
        brokerId: options.brokerId,
        onFault: (error) => options.onFault(source.id, error),
      });
    }
    case 'gp-connect':
      return new GpConnectAdapter({
        source: descriptor(source),
        client: httpClient(source, options),
        config: source.gpConnect,
        onFault: (error) => options.onFault(source.id, error),
      });
    case 'ambulance-epcr':
      return new AmbulanceEpcrAdapter({
        source: descriptor(source),
        client: httpClient(source, options),
        ...(source.apiKey ? { apiKey: readSecret(source.apiKey) } : {}),
        maxPages: source.maxPages,
        pageSize: source.pageSize,
        onFault: (error) => options.onFault(source.id, error),
      });
  }
}
