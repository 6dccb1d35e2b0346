import { randomUUID } from 'node:crypto';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import {
  baseUrlOf,
  type AdapterContext,
  type PatientQuery,
  type SourceAdapter,
  type SourceDescriptor,
  type SourceOutcome,
} from '../../core/source-contract';
import type { SourceHttpClient } from '../http/source-http-client';
import { settleOutcome } from '../settle-outcome';
import { gpcAccessToken } from './gpc-access-token';
import { GPC_RECORD_TYPES, sectionsFor, type GpConnectOptions } from './gp-connect-sections';
import { GPC_ERROR_STATUSES, classifyGpcError } from './spine-error';
import { structuredRecordResources } from './structured-record-bundle';
import { readStructuredRecord } from './structured-record-reader';
import { structuredRecordParameters } from './structured-record-request';

export const GET_STRUCTURED_RECORD_INTERACTION =
  'urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1';

export interface GpConnectAdapterOptions {
  readonly source: SourceDescriptor;
  readonly client: SourceHttpClient;
  /** The source's `gpConnect` configuration: ASIDs and which clinical areas to ask for. */
  readonly config: GpConnectOptions;
  /** Where faults of the adapter itself (bugs, not upstream failures) are recorded. */
  readonly onFault: (error: unknown) => void;
  /** The broker's system URL, the access token's issuer. Default https://hie-broker.org. */
  readonly issuer?: string;
  readonly now?: () => Date;
}

const FHIR_JSON = 'application/fhir+json';

/**
 * A GP practice through GP Connect Access Record: Structured (FHIR STU3): one `$gpc.getstructuredrecord` call
 * for the clinical areas the query needs, answered with a collection Bundle that is converted to R4.
 */
export class GpConnectAdapter implements SourceAdapter {
  readonly source: SourceDescriptor;
  private readonly now: () => Date;

  constructor(private readonly options: GpConnectAdapterOptions) {
    this.source = options.source;
    this.now = options.now ?? ((): Date => new Date());
  }

  fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    return settleOutcome(
      { sourceId: this.source.id, signal: ctx.signal, onFault: this.options.onFault },
      async () => {
        const wanted = query.resourceTypes.filter(
          (type): type is RecordResourceType =>
            this.source.supplies.includes(type) && GPC_RECORD_TYPES.includes(type),
        );
        const response = await this.requestRecord(query, wanted, ctx);
        if (response.status !== 200) {
          const failure = classifyGpcError(response.status, response.body);
          if (failure === 'no-match') return { status: 'no-match' };
          throw failure;
        }
        const resources = structuredRecordResources(response.body);
        const { record, warnings } = readStructuredRecord(resources, {
          nhsNumber: query.nhsNumber,
          wanted,
          ...(query.since ? { since: query.since } : {}),
        });
        return { status: 'ok', record, warnings };
      },
    );
  }

  close(): Promise<void> {
    return this.options.client.close();
  }

  /** The one exchange: the areas the query needs (none: the patient's demographics alone). */
  private requestRecord(
    query: PatientQuery,
    wanted: readonly RecordResourceType[],
    ctx: AdapterContext,
  ): Promise<{ status: number; body: unknown }> {
    const { config } = this.options;
    const now = this.now();
    const body = structuredRecordParameters({
      nhsNumber: query.nhsNumber,
      sections: sectionsFor(wanted, config),
      options: config,
      includePrescriptionIssues: wanted.includes('MedicationRequest'),
      now,
    });
    const token = gpcAccessToken({
      requester: query.requester,
      audience: this.source.baseUrl,
      issuer: this.options.issuer ?? 'https://hie-broker.org',
      now,
    });
    return this.options.client.requestJson({
      method: 'POST',
      url: `${baseUrlOf(this.source, ctx)}/Patient/$gpc.getstructuredrecord`,
      body,
      contentType: FHIR_JSON,
      accept: FHIR_JSON,
      headers: {
        'Ssp-TraceID': randomUUID(),
        'Ssp-From': config.fromAsid,
        'Ssp-To': config.toAsid,
        'Ssp-InteractionID': GET_STRUCTURED_RECORD_INTERACTION,
        Authorization: `Bearer ${token}`,
      },
      passStatuses: GPC_ERROR_STATUSES,
      // A POST by the protocol, but a read: sending it twice changes nothing.
      idempotent: true,
      signal: ctx.signal,
      deadline: ctx.deadline,
      trace: ctx.trace,
    });
  }
}
