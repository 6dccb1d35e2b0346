import type { AdapterContext } from '../../core/source-contract';
import type { SourceHttpClient } from '../http/source-http-client';
import { upstreamError } from '../upstream-failure';
import { isIncidentPage, isPatientSearchResponse } from './epcr-checks';
import type { IncidentPage, PatientSearchResponse } from './epcr-schema';

/** Where and how to reach one ePCR API. */
export interface EpcrEndpoint {
  readonly client: SourceHttpClient;
  /** e.g. https://epcr.example-ambulance.nhs.uk/api (no trailing slash) */
  readonly baseUrl: string;
  readonly apiKey?: string;
}

function headers(endpoint: EpcrEndpoint): Record<string, string> {
  return endpoint.apiKey ? { 'X-API-Key': endpoint.apiKey } : {};
}

async function getEpcrJson(endpoint: EpcrEndpoint, url: string, ctx: AdapterContext): Promise<unknown> {
  const { body } = await endpoint.client.requestJson({
    method: 'GET',
    url,
    accept: 'application/json',
    headers: headers(endpoint),
    signal: ctx.signal,
    deadline: ctx.deadline,
    trace: ctx.trace,
  });
  return body;
}

/** GET /v1/patients?nhsNumber=: the ePCR patients recorded with this NHS number. */
export async function searchEpcrPatients(
  endpoint: EpcrEndpoint,
  nhsNumber: string,
  ctx: AdapterContext,
): Promise<PatientSearchResponse> {
  const url = `${endpoint.baseUrl}/v1/patients?${new URLSearchParams({ nhsNumber }).toString()}`;
  const body = await getEpcrJson(endpoint, url, ctx);
  if (!isPatientSearchResponse(body)) {
    throw upstreamError(
      'wrong-resource-type',
      'answered the patient search with something that is not an ePCR patient list',
      'structure',
    );
  }
  return body;
}

export interface IncidentPageRequest {
  readonly patientId: string;
  readonly from?: string;
  readonly cursor?: string;
  readonly limit: number;
}

/** GET /v1/patients/{id}/incidents: one page of the patient's incidents. */
export async function fetchIncidentPage(
  endpoint: EpcrEndpoint,
  request: IncidentPageRequest,
  ctx: AdapterContext,
): Promise<IncidentPage> {
  const params = new URLSearchParams({ limit: String(request.limit) });
  if (request.from) params.set('from', request.from);
  if (request.cursor) params.set('cursor', request.cursor);
  const url = `${endpoint.baseUrl}/v1/patients/${encodeURIComponent(request.patientId)}/incidents?${params.toString()}`;
  const body = await getEpcrJson(endpoint, url, ctx);
  if (!isIncidentPage(body)) {
    throw upstreamError(
      'wrong-resource-type',
      'answered the incident search with something that is not a page of ePCR incidents',
      'structure',
    );
  }
  return body;
}
