import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { OutcomeError } from '../../core/outcome-error';
import { AccessDenied } from '../governance/access-denied';

/**
 * The broker's own spans. `@opentelemetry/api` is a no-op until an SDK is started (by the
 * `--require` entry, observability/tracing.ts), so these cost next to nothing when tracing is off.
 * Attributes name sources, kinds, outcomes, counts, roles and bases: never an NHS number, a name, a
 * resource or a token.
 */
export const tracer = trace.getTracer('hie-broker');

/** The names of our spans: what each step does. */
export const SPAN = {
  view: 'patient view',
  governance: 'governance decision',
  sourceCall: 'source call',
  merge: 'merge',
  relationship: 'relationship decision',
  auditCommit: 'audit commit',
  answer: 'answer',
  delivery: 'audit delivery',
  eventReceive: 'event receive',
  eventFanOut: 'event fan-out',
  notificationAttempt: 'notification attempt',
  /** The national demographics service asked who the patient is (PDS read). */
  identity: 'identity authority',
  /** A demographic trace at the national demographics service (PDS search). */
  trace: 'demographic trace',
} as const;

/**
 * Runs `fn` inside a new active span, ended when it settles. A failure marks the span as an error
 * with its kind only (`error.type`): messages may come from third parties and are not recorded.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { attributes, kind: options.kind ?? SpanKind.INTERNAL },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setAttribute('error.type', errorType(error));
        if (error instanceof AccessDenied) span.setAttribute('hie.denied.reason', error.reason);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** An error's kind for a span: an OutcomeError's kind, else its class name. */
export function errorType(error: unknown): string {
  if (error instanceof OutcomeError) return error.kind;
  return error instanceof Error ? error.name : 'unknown';
}

/** The W3C traceparent of the active span, to carry into job data; undefined when nothing is traced. */
export function activeTraceparent(): string | undefined {
  if (!trace.getActiveSpan()?.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a job's traceparent names (the view that caused it), or the root for none. */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * The answer's span: serialising and writing what the view produced. `send` writes the body and
 * returns its size in bytes when it knows it.
 */
export function traceAnswer(
  answer: { readonly status: number; readonly format: string; readonly body: unknown },
  send: () => number | undefined,
): void {
  tracer.startActiveSpan(
    SPAN.answer,
    { attributes: { 'http.response.status_code': answer.status, 'hie.answer.format': answer.format } },
    (span) => {
      try {
        const bytes = send();
        if (!span.isRecording()) return;
        const entries = (answer.body as { entry?: unknown } | null)?.entry;
        span.setAttributes({
          ...(bytes !== undefined ? { 'hie.answer.bytes': bytes } : {}),
          ...(Array.isArray(entries) ? { 'hie.answer.entries': entries.length } : {}),
        });
      } finally {
        span.end();
      }
    },
  );
}

/** Flushes the spans still buffered (before the process exits); nothing when tracing is off. */
export async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = provider.getDelegate?.() as { forceFlush?: () => Promise<void> } | undefined;
  await delegate?.forceFlush?.();
}
