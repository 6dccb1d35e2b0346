import type { SourceConfig } from '../config/schema';
import type { SourceAdapter } from './contract';
import { FhirR4Adapter } from './fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from './http/source-http-client';

export interface CreateAdapterOptions {
  readonly userAgent: string;
  readonly onFault: (sourceId: string, error: unknown) => void;
}

/** The one place that turns a source's configuration into its adapter, by kind. */
export function createAdapter(source: SourceConfig, options: CreateAdapterOptions): SourceAdapter {
  switch (source.kind) {
    case 'fhir-r4':
      return new FhirR4Adapter({
        source: {
          id: source.id,
          kind: source.kind,
          name: source.name,
          odsCode: source.odsCode,
          baseUrl: source.baseUrl,
          supplies: source.supplies,
        },
        client: new SourceHttpClient({
          maxSockets: source.maxSockets,
          maxResponseBytes: source.maxResponseBytes,
          userAgent: options.userAgent,
        }),
        maxPages: source.maxPages,
        pageSize: source.pageSize,
        onFault: (error) => options.onFault(source.id, error),
      });
    default:
      throw new Error(`no adapter for source kind ${source.kind} yet`);
  }
}
