import type { SourceConfig } from '../config/schema';
import type { SigningKey } from '../broker/trust/signing-key';
import { SmartBackendAuth } from './auth/smart-backend-auth';
import type { SourceAdapter } from './contract';
import { FhirR4Adapter } from './fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from './http/source-http-client';

export interface CreateAdapterOptions {
  readonly userAgent: string;
  /** The broker's key, for SMART Backend Services client assertions. */
  readonly signingKey: SigningKey;
  readonly onFault: (sourceId: string, error: unknown) => void;
}

function httpClient(source: SourceConfig, options: CreateAdapterOptions): SourceHttpClient {
  return new SourceHttpClient({
    maxSockets: source.maxSockets,
    maxResponseBytes: source.maxResponseBytes,
    userAgent: options.userAgent,
  });
}

function smartAuth(
  auth: { tokenUrl: string; clientId: string; scope: string },
  client: SourceHttpClient,
  signingKey: SigningKey,
): SmartBackendAuth {
  return new SmartBackendAuth({ ...auth, key: signingKey, client });
}

/** The one place that turns a source's configuration into its adapter, by kind. */
export function createAdapter(source: SourceConfig, options: CreateAdapterOptions): SourceAdapter {
  switch (source.kind) {
    case 'fhir-r4': {
      const client = httpClient(source, options);
      return new FhirR4Adapter({
        source: {
          id: source.id,
          kind: source.kind,
          name: source.name,
          odsCode: source.odsCode,
          baseUrl: source.baseUrl,
          supplies: source.supplies,
        },
        client,
        maxPages: source.maxPages,
        pageSize: source.pageSize,
        ...(source.auth ? { auth: smartAuth(source.auth, client, options.signingKey) } : {}),
        onFault: (error) => options.onFault(source.id, error),
      });
    }
    default:
      throw new Error(`no adapter for source kind ${source.kind} yet`);
  }
}
