import type { OperationOutcome, OperationOutcomeIssue, Patient, Resource } from '@medplum/fhirtypes';
import { isRecordResourceType, isSupportingResourceType } from '../../core/fhir/resource-types';
import { NHS_NUMBER_SYSTEM, SOURCE_EXTENSION_URL, SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';
import { CHAIN_HEADER, REQUESTER_HEADER, signRequesterAssertion } from '../../core/trust/requester-assertion';
import type { FederationKey } from '../../core/trust/signing-key';
import type { SmartBackendAuth } from '../auth/smart-backend-auth';
import {
  baseUrlOf,
  type AdapterContext,
  type PatientQuery,
  type SourceAdapter,
  type SourceDescriptor,
  type SourceIssue,
  type SourceOutcome,
} from '../../core/source-contract';
import { isSearchBundle, type SearchBundle } from '../fhir-r4/search-bundle';
import { settleOutcome } from '../settle-outcome';
import type { SourceHttpClient } from '../http/source-http-client';
import { UpstreamFailure, upstreamError } from '../upstream-failure';

export interface PeerBrokerAdapterOptions {
  readonly source: SourceDescriptor;
  readonly client: SourceHttpClient;
  readonly auth: SmartBackendAuth;
  /** This broker's federation key and id: they sign the requester assertion and extend the chain. */
  readonly key: FederationKey;
  readonly brokerId: string;
  readonly onFault: (error: unknown) => void;
}

const LOOP_DETECTED = 508;

/**
 * A neighbouring region's broker, asked over the same FHIR API this broker serves: `$everything`
 * as a system (SMART Backend Services), for the original user (a signed requester assertion), with
 * the chain of brokers so far. The peer's own per-source issues come back nested in this source's
 * outcome, and its Provenance with its entries, so "partial" and "from where" survive every hop.
 */
export class PeerBrokerAdapter implements SourceAdapter {
  readonly source: SourceDescriptor;

  constructor(private readonly options: PeerBrokerAdapterOptions) {
    this.source = options.source;
  }

  fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    return settleOutcome(
      { sourceId: this.source.id, signal: ctx.signal, onFault: this.options.onFault },
      async () => {
        const types = query.resourceTypes.filter((type) => this.source.supplies.includes(type));
        const { status, body } = await this.ask(query, types, ctx);
        if (status === LOOP_DETECTED) return { status: 'skipped', reason: 'loop' };
        if (status === 404) return { status: 'no-match' };
        // Demographics only: the peer's Patient read.
        if (types.length === 0) return { status: 'ok', ...this.record(asBundle(body), query) };
        if (!isSearchBundle(body)) {
          throw upstreamError(
            'wrong-resource-type',
            'answered with something that is not a FHIR Bundle',
            'structure',
          );
        }
        return { status: 'ok', ...this.record(body, query) };
      },
    );
  }

  close(): Promise<void> {
    return this.options.client.close();
  }

  /** `$everything` for the types asked (or the Patient read, for demographics only), as a system for the user. */
  private async ask(
    query: PatientQuery,
    types: readonly string[],
    ctx: AdapterContext,
    renewed = false,
  ): Promise<{ status: number; body: unknown }> {
    const { auth, client, key, brokerId } = this.options;
    const params = new URLSearchParams({ _type: types.join(',') });
    if (query.since) params.set('_since', query.since);
    const base = baseUrlOf(this.source, ctx);
    const url =
      types.length === 0
        ? `${base}/Patient/${query.nhsNumber}`
        : `${base}/Patient/${query.nhsNumber}/$everything?${params.toString()}`;
    const headers = {
      Authorization: await auth.authorization(ctx),
      [REQUESTER_HEADER]: await signRequesterAssertion({
        key,
        issuer: brokerId,
        audience: this.source.baseUrl,
        requester: query.requester,
        nhsNumber: query.nhsNumber,
      }),
      [CHAIN_HEADER]: [...query.chain, brokerId].join(','),
    };
    try {
      return await client.requestJson({
        method: 'GET',
        url,
        headers,
        passStatuses: [404, LOOP_DETECTED],
        ...ctx,
      });
    } catch (error) {
      if (!renewed && error instanceof UpstreamFailure && error.issue.reason === 'http-401') {
        auth.invalidate();
        return this.ask(query, types, ctx, true);
      }
      throw error;
    }
  }

  private record(
    bundle: SearchBundle,
    query: PatientQuery,
  ): Pick<Extract<SourceOutcome, { status: 'ok' }>, 'record' | 'warnings'> {
    let patient: Patient | undefined;
    const resources: Resource[] = [];
    const supporting: Resource[] = [];
    const warnings: SourceIssue[] = [];
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource as Resource | undefined;
      if (!resource) continue;
      const mode = entry.search?.mode;
      if (mode === 'outcome' || resource.resourceType === 'OperationOutcome') {
        warnings.push(...nestedIssues(resource as OperationOutcome));
      } else if (resource.resourceType === 'Patient') {
        const carries = (resource.identifier ?? []).some(
          (i) => i.system === NHS_NUMBER_SYSTEM && i.value === query.nhsNumber,
        );
        if (!carries)
          throw upstreamError(
            'patient-mismatch',
            'answered with a patient who does not carry the NHS number asked for',
            'business-rule',
          );
        patient = resource;
      } else if (mode === 'include' && isSupportingResourceType(resource.resourceType)) {
        supporting.push(resource);
      } else if (
        isRecordResourceType(resource.resourceType) &&
        query.resourceTypes.includes(resource.resourceType)
      ) {
        resources.push(resource);
      }
    }
    if (!patient?.id) throw upstreamError('invalid-response', 'answered without the patient', 'structure');
    return { record: { patient, resources, supporting }, warnings };
  }
}

/** A Patient read's answer, seen as a one-entry bundle (anything else fails the checks in `record`). */
function asBundle(body: unknown): SearchBundle {
  const resource = typeof body === 'object' && body !== null ? (body as { resourceType?: unknown }) : {};
  if (resource.resourceType !== 'Patient') {
    throw upstreamError(
      'wrong-resource-type',
      'answered a patient read with something that is not a Patient',
      'structure',
    );
  }
  return {
    resourceType: 'Bundle',
    entry: [{ resource: body as { resourceType: string }, search: { mode: 'match' } }],
  };
}

/** The peer's issues about its own sources, kept with their attribution; its summary line is not repeated. */
function nestedIssues(outcome: OperationOutcome): SourceIssue[] {
  return (outcome.issue ?? []).flatMap((issue: OperationOutcomeIssue) => {
    const nestedSource = issue.extension?.find((e) => e.url === SOURCE_EXTENSION_URL);
    if (!nestedSource) return [];
    const reason =
      issue.details?.coding?.find((c) => c.system === SOURCE_ISSUE_SYSTEM)?.code ?? 'peer-source';
    const text = (issue.details?.text ?? '').replace(/\.$/, '').slice(0, 300);
    return [{ severity: issue.severity, code: issue.code, reason, text: `reports: ${text}`, nestedSource }];
  });
}
