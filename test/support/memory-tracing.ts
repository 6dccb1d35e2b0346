/**
 * A `--require` preload for a traced child process: starts the broker's tracing (the same SDK setup
 * and instrumentations as observability/tracing.ts) with an in-memory exporter, before anything else
 * is loaded. Jest cannot see the SDK's spans in-process (its module loader bypasses the
 * instrumentations' require hook), hence a child; its script imports `tracing` from here.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing } from '../../broker/observability/tracing-sdk';

const exporter = new InMemorySpanExporter();

export const tracing = {
  exporter,
  running: startTracing({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
};
