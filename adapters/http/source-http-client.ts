import http from 'node:http';
import https from 'node:https';
import { context, propagation } from '@opentelemetry/api';
import type { TraceContext } from '../../core/source-contract';
import { meterSourceResponse } from '../../core/source-call-meter';
import { UpstreamFailure, upstreamError } from '../upstream-failure';
import { ExtraCallBudget } from './extra-call-budget';
import { BodyRefused, readBody } from './read-body';
import { transientRetry, type RetryReason, type ThrottleSignals } from './transient-retry';

export interface SourceHttpClientOptions {
  /** Concurrent sockets to this source (per host: each replica has as many); further requests queue on the agent. */
  readonly maxSockets: number;
  /** Bodies larger than this (after decompression) are refused. */
  readonly maxResponseBytes: number;
  readonly userAgent: string;
  /** Retries of refused or reset connections and 429s, budgeted per source. Default: none. */
  readonly retry?: { readonly maxAttempts: number; readonly budgetRatio: number };
  /** Told of every retry, e.g. for a metric. */
  readonly onRetry?: (reason: RetryReason) => void;
}

/** A compressed body inflating more than this many times over is a decompression bomb... */
const MAX_COMPRESSION_RATIO = 200;
/** ...once it has inflated past this (small bodies can compress absurdly well and do no harm). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/** One exchange's answer, its body read (and decompressed) in full. */
interface RawAnswer extends ThrottleSignals {
  readonly contentType: string;
  readonly text: string;
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
  /**
   * Whether sending the request twice is harmless (a read). Default: GET yes, POST no. Decides
   * whether a connection reset may be retried; a refused connection or a 429 always may.
   */
  readonly idempotent?: boolean;
  readonly signal: AbortSignal;
  /** Epoch ms when `signal` aborts, when known: a retry must fit before it. */
  readonly deadline?: number | undefined;
  readonly trace: TraceContext;
}

/**
 * The one HTTP client every adapter uses: keep-alive agents with bounded sockets, no redirects
 * followed, bodies decompressed as they stream and capped on their decompressed size, budgeted
 * retries of transient connection failures and 429s, and failures classified once into
 * UpstreamFailures. One client serves one source, so its sockets and its retry budget are that
 * source's alone.
 */
export class SourceHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly retryBudget: ExtraCallBudget;

  constructor(private readonly options: SourceHttpClientOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.retryBudget = new ExtraCallBudget({ ratio: options.retry?.budgetRatio ?? 0 });
  }

  /**
   * One JSON exchange with the source. Resolves with a 200 JSON body, or with the JSON body of a
   * status listed in `passStatuses` (for protocols whose errors are meaningful bodies, like GP
   * Connect's OperationOutcomes); anything else throws an UpstreamFailure.
   */
  async requestJson(request: JsonRequest): Promise<JsonResponse> {
    this.retryBudget.recordCall();
    // Retried here, per request, not per adapter call: a view's call makes several requests (token,
    // patient search, searches, pages) and repeating the whole call would repeat the ones that worked.
    const retries = transientRetry({
      maxAttempts: this.options.retry?.maxAttempts ?? 1,
      budget: this.retryBudget,
      idempotent: request.idempotent ?? request.method === 'GET',
      ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
      ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}),
    });
    const answer = await retries.execute(() => this.exchange(request), request.signal);
    const { status } = answer;
    const passed = request.passStatuses?.includes(status) ?? false;
    if (!passed) throwForStatus(status);

    if (!JSON_TYPE.test(answer.contentType)) {
      if (passed) throwForStatus(status, true);
      throw upstreamError('wrong-content-type', 'answered with a body that is not JSON', 'structure');
    }
    try {
      return { status, body: JSON.parse(answer.text) as unknown };
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

  /** One request and its whole body, or an UpstreamFailure for anything that went wrong on the way. */
  private async exchange(request: JsonRequest): Promise<RawAnswer> {
    try {
      const response = await this.send(request);
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const encoding = header('content-encoding');
      // A plain body that says it is over the cap is refused before a byte of it is read.
      if (!encoding && Number(header('content-length') ?? 0) > this.options.maxResponseBytes) {
        response.destroy();
        throw new BodyRefused('too-large', { bytes: Number(header('content-length')) });
      }
      // Decompressed (never more than the cap, never a bomb) and buffered by readBody.
      const body = await readBody(response, encoding, {
        maxBytes: this.options.maxResponseBytes,
        maxRatio: MAX_COMPRESSION_RATIO,
        ratioFloorBytes: RATIO_FLOOR_BYTES,
      });
      meterSourceResponse(body.length);
      const text = body.toString('utf8');
      return {
        status: response.statusCode ?? 0,
        contentType: header('content-type') ?? '',
        retryAfter: header('retry-after'),
        // A byte order mark is not JSON; without a regular expression over the whole body.
        text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text,
      };
    } catch (error) {
      throw classifyTransportError(error, request.signal, this.options.maxResponseBytes);
    }
  }

  /**
   * Sends the request on the source's keep-alive agent and resolves with the response, its body not
   * yet read. Node's own client: no redirect is followed, no proxy is used, nothing is decompressed.
   */
  private send(request: JsonRequest): Promise<http.IncomingMessage> {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const data =
      request.body !== undefined
        ? JSON.stringify(request.body)
        : request.form
          ? new URLSearchParams(request.form).toString()
          : undefined;
    const headers: Record<string, string> = {
      Accept: request.accept ?? 'application/fhir+json',
      'Accept-Encoding': 'gzip, deflate, br',
      'User-Agent': this.options.userAgent,
      'X-Request-Id': request.trace.requestId,
      ...(request.trace.traceparent ? { traceparent: request.trace.traceparent } : {}),
      ...(request.body !== undefined
        ? { 'Content-Type': request.contentType ?? 'application/fhir+json' }
        : {}),
      ...(request.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      ...request.headers,
      ...(data !== undefined ? { 'Content-Length': String(Buffer.byteLength(data)) } : {}),
    };
    // With tracing on, the source sees this call's own span as its parent (else the caller's traceparent).
    propagation.inject(context.active(), headers);
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? https : http).request(url, {
        method: request.method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        // Aborting destroys the request and its response: the socket is not reused.
        signal: request.signal,
      });
      outgoing.once('response', resolve);
      outgoing.once('error', reject);
      outgoing.end(data);
    });
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
  if (error instanceof BodyRefused) return withCause(refusedBody(error, maxBytes), error);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
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

function refusedBody(refused: BodyRefused, maxBytes: number): UpstreamFailure {
  switch (refused.reason) {
    case 'too-large':
      return upstreamError('too-large', `sent a response larger than ${maxBytes} bytes`, 'too-costly');
    case 'compression-bomb':
      return upstreamError(
        'compression-bomb',
        `sent a compressed response that inflates more than ${MAX_COMPRESSION_RATIO} times over (a decompression bomb)`,
        'too-costly',
      );
    case 'unsupported-encoding':
      return upstreamError(
        'unsupported-encoding',
        'sent a response in a content encoding the broker does not read',
        'structure',
      );
  }
}

function withCause(failure: UpstreamFailure, cause: unknown): UpstreamFailure {
  return new UpstreamFailure(failure.status, failure.issue, { cause });
}
