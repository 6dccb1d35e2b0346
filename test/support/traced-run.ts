/** What test/support/traced-views.ts writes: the views it opened and every span recorded. */

export interface TracedView {
  readonly name: string;
  readonly status: number;
  readonly requestId: string;
  /** The traceparent the caller sent, if any. */
  readonly traceparent?: string;
}

export interface RecordedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly status: { code: number; message?: string };
  readonly attributes: Record<string, unknown>;
  readonly events: readonly { name: string; attributes?: Record<string, unknown> }[];
  readonly scope: string;
}

export interface TracedRun {
  readonly views: readonly TracedView[];
  readonly spans: readonly RecordedSpan[];
  /** What must appear in no span: the patients' NHS numbers and names, and every token sent. */
  readonly phi: readonly string[];
  /** AuditEvents the sink received. */
  readonly delivered: number;
}

/** A caller's own trace (W3C): the view must join it. */
export const CALLER_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
