/**
 * The tracing entry: `node --require ./dist/broker/observability/tracing.js dist/broker/main.js` (as
 * `npm start` does). It starts the OpenTelemetry SDK before the app is loaded, so that the HTTP,
 * Express, ioredis and pg modules are instrumented, when the standard OTEL_* variables ask for traces
 * (OTEL_TRACES_EXPORTER=otlp|console, OTEL_EXPORTER_OTLP_ENDPOINT, …); otherwise it loads nothing more.
 */
import { tracingConfigured } from './tracing-config';
import type * as TracingSdk from './tracing-sdk';

if (tracingConfigured(process.env)) {
  // Loaded only when wanted: the SDK and its exporters are several MB of modules to load for nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./tracing-sdk') as typeof TracingSdk).startTracing();
}
