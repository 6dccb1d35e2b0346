import {
  isRecordSource,
  type BrokerConfig,
  type PdsSourceConfig,
  type SourceConfig,
} from '../../config/schema';
import type { PdsClient } from '../../adapters/pds/pds-client';
import type { FederationKey, SigningKey } from '../../core/trust/signing-key';
import type { Logger } from '../observability/logger';
import type { BrokerMetrics } from '../observability/metrics';
import { IdentityAuthority } from '../view/identity-authority';
import { createAdapter } from './create-adapter';
import { createPdsClient } from './create-pds-client';
import { Federation } from './federation';

/** The national demographics service, when one is configured: its client, and the authority built on it. */
export interface DemographicsService {
  readonly source: PdsSourceConfig;
  readonly client: PdsClient;
  readonly authority: IdentityAuthority;
}

/** The sources a broker asks: the record sources, fanned out to together, and the demographics service beside them. */
export interface StartedSources {
  readonly recordSources: readonly SourceConfig[];
  readonly federation: Federation;
  readonly pds?: DemographicsService;
}

export interface StartSourcesOptions {
  readonly version: string;
  readonly signingKey: SigningKey;
  readonly federationKey: FederationKey;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
}

/**
 * Builds every configured source's adapter and the federation over the record sources, each with its
 * own time limit, and the demographics service (PDS), which is asked beside the record sources and
 * never fanned out to like them. Nothing is connected yet: adapters open their connections when asked.
 */
export function startSources(config: BrokerConfig, options: StartSourcesOptions): StartedSources {
  const { logger, metrics, signingKey } = options;
  const userAgent = `hie-broker/${options.version}`;
  const recordSources = config.sources.filter(isRecordSource);
  const pdsSource = config.sources.find((s): s is PdsSourceConfig => s.kind === 'pds');
  const timeouts = new Map(
    recordSources.map((s) => [s.id, s.timeoutMs ?? config.federation.sourceTimeoutMs]),
  );
  const federation = new Federation({
    adapters: recordSources.map((source) =>
      createAdapter(source, {
        userAgent,
        signingKey,
        federationKey: options.federationKey,
        brokerId: config.broker.id,
        onFault: (sourceId, error) => logger.error({ err: error, sourceId }, 'adapter fault'),
        onRetry: (sourceId, reason) => metrics.sourceRetries.inc({ source: sourceId, reason }),
      }),
    ),
    sourceTimeoutMs: (sourceId) => timeouts.get(sourceId) ?? config.federation.sourceTimeoutMs,
    hopLimit: config.broker.hopLimit,
    logger,
    metrics,
  });
  if (!pdsSource) return { recordSources, federation };
  const client = createPdsClient(pdsSource, {
    userAgent,
    signingKey,
    onFault: (error) => logger.error({ err: error, sourceId: pdsSource.id }, 'adapter fault'),
  });
  const authority = new IdentityAuthority({
    client,
    id: pdsSource.id,
    odsCode: pdsSource.odsCode,
    name: pdsSource.name,
    timeoutMs: pdsSource.timeoutMs,
    minScore: pdsSource.trace.minScore,
    fuzzy: pdsSource.trace.fuzzy,
  });
  return { recordSources, federation, pds: { source: pdsSource, client, authority } };
}
