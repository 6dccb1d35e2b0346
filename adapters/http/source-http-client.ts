import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { TraceContext } from '../contract';
import { UpstreamFailure, upstreamError } from '../upstream-failure';

export interface SourceHttpClientOptions {
  /** Concurrent sockets to this source; further requests queue on the agent. */
  readonly maxSockets: number;
  /** Bodies larger than this (after decompression) are refused. */
  readonly maxResponseBytes: number;
  readonly userAgent: string;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

const JSON_TYPE = /^application\/(fhir\+)?json\s*(;|$)/i;

export interface JsonRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** A JSON body. */
  readonly body?: unknown;
  /** A form body (application/x-www-form-urlencoded), e.g. an OAuth2 token request. */
  readonly form?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly accept?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses whose JSON body the caller interprets itself. */
  readonly passStatuses?: readonly number[];
  readonly signal: AbortSignal;
  readonly trace: TraceContext;
}

/**
 * The one HTTP client every adapter uses: keep-alive agents with bounded sockets, no
 * redirects followed, a response size cap, and failures classified once into UpstreamFailures.
 */
export class SourceHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly axios: AxiosInstance;

  constructor(private readonly options: SourceHttpClientOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.axios = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      maxRedirects: 0,
      maxContentLength: options.maxResponseBytes,
      maxBodyLength: options.maxResponseBytes,
      decompress: true,
      responseType: 'text',
      // Parse bodies ourselves, so that a source sending something that is not JSON is named as such.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
    });
  }

  /**
   * One JSON exchange with the source. Resolves with a 200 JSON body, or with the JSON body of a
   * status listed in `passStatuses` (for protocols whose errors are meaningful bodies, like GP
   * Connect's OperationOutcomes); anything else throws an UpstreamFailure.
   */
  async requestJson(request: JsonRequest): Promise<JsonResponse> {
    let response;
    try {
      response = await this.axios.request<string>({
        method: request.method,
        url: request.url,
        signal: request.signal,
        ...(request.body !== undefined ? { data: JSON.stringify(request.body) } : {}),
        ...(request.form ? { data: new URLSearchParams(request.form).toString() } : {}),
        headers: {
          Accept: request.accept ?? 'application/fhir+json',
          'User-Agent': this.options.userAgent,
          'X-Request-Id': request.trace.requestId,
          ...(request.trace.traceparent ? { traceparent: request.trace.traceparent } : {}),
          ...(request.body !== undefined
            ? { 'Content-Type': request.contentType ?? 'application/fhir+json' }
            : {}),
          ...request.headers,
        },
      });
    } catch (error) {
      throw classifyTransportError(error, request.signal, this.options.maxResponseBytes);
    }
    const { status } = response;
    const passed = request.passStatuses?.includes(status) ?? false;
    if (!passed) throwForStatus(status);

    const contentType = String(response.headers['content-type'] ?? '');
    if (!JSON_TYPE.test(contentType)) {
      if (passed) throwForStatus(status, true);
      throw upstreamError('wrong-content-type', 'answered with a body that is not JSON', 'structure');
    }
    try {
      return { status, body: JSON.parse(response.data) as unknown };
    } catch (cause) {
      if (passed) throwForStatus(status, true);
      throw new UpstreamFailure(
        'error',
        {
          severity: 'error',
          code: 'structure',
          reason: 'invalid-json',
          text: 'answered with malformed JSON',
        },
        { cause },
      );
    }
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * The one mapping from an upstream HTTP status to a failure; null for a plain 200. `force`
 * classifies even a 2xx (a passed status whose body turned out unreadable).
 */
export function failureForStatus(status: number, force = false): UpstreamFailure | null {
  if (status >= 300 && status < 400) {
    return upstreamError(
      'redirect-refused',
      `answered with a redirect (HTTP ${status}), which the broker does not follow`,
    );
  }
  if (status === 401 || status === 403) {
    return new UpstreamFailure('rejected', {
      severity: 'error',
      code: status === 401 ? 'login' : 'forbidden',
      reason: `http-${status}`,
      text: `refused the broker's request (HTTP ${status})`,
    });
  }
  if (status === 429) return upstreamError('http-429', 'is limiting requests (HTTP 429)', 'throttled');
  if (status >= 400 && status < 500) {
    return new UpstreamFailure('rejected', {
      severity: 'error',
      code: 'processing',
      reason: `http-${status}`,
      text: `rejected the broker's request (HTTP ${status})`,
    });
  }
  if (status >= 500)
    return upstreamError(`http-${status}`, `failed with a server error (HTTP ${status})`, 'transient');
  if (status !== 200 || force)
    return upstreamError(`http-${status}`, `answered with an unexpected status (HTTP ${status})`);
  return null;
}

function throwForStatus(status: number, force = false): void {
  const failure = failureForStatus(status, force);
  if (failure) throw failure;
}

function classifyTransportError(error: unknown, signal: AbortSignal, maxBytes: number): UpstreamFailure {
  if (signal.aborted) {
    return new UpstreamFailure(
      'timeout',
      { severity: 'error', code: 'timeout', reason: 'timeout', text: 'did not answer in time' },
      { cause: error },
    );
  }
  const code = error instanceof AxiosError ? error.code : undefined;
  const message = error instanceof Error ? error.message : '';
  if (code === 'ERR_BAD_RESPONSE' && message.includes('maxContentLength')) {
    return withCause(
      upstreamError('too-large', `sent a response larger than ${maxBytes} bytes`, 'too-costly'),
      error,
    );
  }
  if (code === 'ECONNREFUSED')
    return withCause(upstreamError('unreachable', 'refused the connection', 'transient'), error);
  if (code === 'ECONNRESET' || message.includes('socket hang up') || code === 'EPIPE') {
    return withCause(upstreamError('connection-reset', 'reset the connection', 'transient'), error);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return withCause(upstreamError('dns', 'could not be found (DNS)', 'transient'), error);
  }
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_BAD_RESPONSE') {
    return withCause(
      upstreamError('bad-response', 'sent a response that could not be read', 'structure'),
      error,
    );
  }
  return withCause(upstreamError('transport', 'could not be reached', 'transient'), error);
}

function withCause(failure: UpstreamFailure, cause: unknown): UpstreamFailure {
  return new UpstreamFailure(failure.status, failure.issue, { cause });
}
