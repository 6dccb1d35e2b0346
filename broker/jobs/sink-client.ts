import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';

/** Why an attempt failed, as a closed set (also a metric label). */
export const DELIVERY_FAILURE_REASONS = [
  'timeout',
  'transport',
  'http-4xx',
  'http-5xx',
  'http-other',
  'token',
  'journal',
  'not-found',
  'wrong-stream',
  'unexpected',
] as const;
export type DeliveryFailureReason = (typeof DELIVERY_FAILURE_REASONS)[number];

/** A failed attempt. Dynamic detail (status, sink) lives in fields; the message is static. */
export class DeliveryFailure extends Error {
  readonly reason: DeliveryFailureReason;
  readonly status: number | undefined;
  /** False when no retry can help this job (the entry is not in the journal); the sweep still decides. */
  readonly retryable: boolean;
  /** The sink refused the request itself (4xx other than 408/429, a redirect, no token): its configuration needs a look. */
  readonly sinkConfiguration: boolean;

  constructor(
    message: string,
    fields: {
      reason: DeliveryFailureReason;
      status?: number;
      retryable?: boolean;
      sinkConfiguration?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: fields.cause });
    this.name = 'DeliveryFailure';
    this.reason = fields.reason;
    this.status = fields.status;
    this.retryable = fields.retryable ?? true;
    this.sinkConfiguration = fields.sinkConfiguration ?? false;
  }
}

export interface SinkRequest {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  readonly contentType: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Sinks acknowledge; their bodies are not read, so a large one is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The client for one sink: keep-alive sockets bounded by the delivery concurrency, no redirects, a
 * response size cap. Not the adapters' SourceHttpClient: that one expects a 200 JSON body and turns
 * failures into FHIR issues for a view, while a sink answers 200/201/202/204, often with no body, and
 * only the status matters here (and FHIR needs PUT).
 */
export class SinkClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly axios: AxiosInstance;

  constructor(options: { maxSockets: number; userAgent: string }) {
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
      maxContentLength: MAX_RESPONSE_BYTES,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
      headers: { 'User-Agent': options.userAgent },
    });
  }

  /** Resolves with the status of a 2xx answer; anything else throws a DeliveryFailure. */
  async send(request: SinkRequest): Promise<number> {
    const signal = AbortSignal.timeout(request.timeoutMs);
    let status: number;
    try {
      const response = await this.axios.request({
        method: request.method,
        url: request.url,
        data: JSON.stringify(request.body),
        headers: { 'Content-Type': request.contentType, ...request.headers },
        signal,
      });
      status = response.status;
    } catch (error) {
      if (signal.aborted)
        throw new DeliveryFailure('The sink did not answer in time', { reason: 'timeout', cause: error });
      // The logger's error serializer keeps only name, message, stack and code: the request's headers stay out.
      throw new DeliveryFailure('The sink could not be reached', { reason: 'transport', cause: error });
    }
    if (status >= 200 && status < 300) return status;
    throw failureForStatus(status);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** 408, 429 and 5xx are the sink's passing trouble; any other refusal is about how the broker is set up to call it. */
function failureForStatus(status: number): DeliveryFailure {
  if (status >= 500) return new DeliveryFailure('The sink failed', { reason: 'http-5xx', status });
  if (status === 408 || status === 429)
    return new DeliveryFailure('The sink asked for the delivery later', { reason: 'http-4xx', status });
  if (status >= 400)
    return new DeliveryFailure('The sink refused the delivery', {
      reason: 'http-4xx',
      status,
      sinkConfiguration: true,
    });
  return new DeliveryFailure('The sink answered with an unexpected status', {
    reason: 'http-other',
    status,
    sinkConfiguration: true,
  });
}
