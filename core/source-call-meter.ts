import { context, createContextKey } from '@opentelemetry/api';

/** What one source call read from the source, for its trace span: requests made and body bytes read. */
export interface SourceCallMeter {
  requests: number;
  /** Decompressed body bytes, as parsed. */
  bytes: number;
}

const METER = createContextKey('hie-broker source call meter');

/**
 * Runs `fn` with `meter` in the active OpenTelemetry context, so that the source's HTTP client can count
 * what the call read. Without a started SDK there is no context manager: nothing is counted, at no cost.
 */
export function withSourceCallMeter<T>(meter: SourceCallMeter, fn: () => T): T {
  return context.with(context.active().setValue(METER, meter), fn);
}

/** Counts one response body read for the source call under way, if it is being metered. */
export function meterSourceResponse(bytes: number): void {
  const meter = context.active().getValue(METER) as SourceCallMeter | undefined;
  if (!meter) return;
  meter.requests += 1;
  meter.bytes += bytes;
}
