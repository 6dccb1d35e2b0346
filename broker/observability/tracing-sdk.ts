import { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';

/** Requests that are not views: probes and scrapes every few seconds would be most of the spans. */
const UNTRACED_PATHS = new Set(['/livez', '/readyz', '/metrics']);

export interface StartTracingOptions {
  /** Where spans go; by default the exporters OTEL_TRACES_EXPORTER names (OTLP by default, `console`). */
  readonly spanProcessors?: SpanProcessor[];
}

export interface RunningTracing {
  /** Flushes what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for traces only (the broker's metrics are Prometheus, its logs pino):
 * W3C trace context, the HTTP, Express (route handlers only), ioredis and pg instrumentations, with
 * every URL attribute stripped of identifiers (a path segment with digits, and the whole query).
 * Must run before the app's modules are loaded: observability/tracing.ts is the `--require` entry.
 */
export function startTracing(options: StartTracingOptions = {}): RunningTracing {
  const sdk = new NodeSDK({
    ...(process.env.OTEL_SERVICE_NAME ? {} : { serviceName: 'hie-broker' }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
        requestHook: redactUrl,
        applyCustomAttributesOnSpan: nameByRoute,
      }),
      // Middleware spans would outnumber the rest; the route handler's span names the route.
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
      // Commands only, never their arguments (keys and values); only inside a view or a job.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
      // Statements with placeholders, never their values.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * A URL's path with every segment that may identify someone replaced by `:id` (an NHS number, a local
 * patient id, a page id), and no query (`identifier=…|{NHS number}`, `patient=`).
 */
export function redactPath(path: string): string {
  const [pathname = ''] = path.split('?');
  return pathname
    .split('/')
    .map((segment) =>
      /\d{3}/.test(segment) || !/^[A-Za-z0-9$._-]*$/.test(segment) || segment.length > 40 ? ':id' : segment,
    )
    .join('/');
}

/** Overwrites the URL attributes the HTTP instrumentation set at the span's start. */
function redactUrl(span: Span, request: ClientRequest | IncomingMessage): void {
  if (request instanceof IncomingMessage) {
    const url = request.url ?? '';
    span.setAttribute('url.path', redactPath(url));
    if (url.includes('?')) span.setAttribute('url.query', 'redacted');
    return;
  }
  if (request instanceof ClientRequest) {
    const host = request.getHeader('host') ?? request.host;
    span.setAttribute('url.full', `${request.protocol}//${String(host)}${redactPath(request.path)}`);
  }
}

/**
 * A server span is named by the broker's own route template (`GET /fhir/Patient/:nhs/$everything`),
 * which the HTTP layer keeps for its access log: the Express instrumentation's guess doubles the
 * prefix of a mounted router.
 */
function nameByRoute(span: Span, request: ClientRequest | IncomingMessage, response: unknown): void {
  if (!(request instanceof IncomingMessage) || !(response instanceof ServerResponse)) return;
  const route = (response as { locals?: { route?: unknown } }).locals?.route;
  if (typeof route !== 'string') return;
  // Express paths escape `$` (`/:nhs/\\$everything`); the name shows the path as requested.
  const name = route.replaceAll('\\', '');
  span.setAttribute('http.route', name);
  span.updateName(`${request.method ?? 'GET'} ${name}`);
}
