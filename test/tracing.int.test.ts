import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { projectRoot } from '../config/load-config';
import { SIM_NODE_IDS } from '../sim/population/types';
import { CALLER_TRACEPARENT, type RecordedSpan, type TracedRun, type TracedView } from './support/traced-run';

/**
 * The broker's traces, from a child process that loads the tracing SDK first with an in-memory exporter
 * (test/support/memory-tracing.ts), opens views over real HTTP against the five simulated nodes, delivers
 * their AuditEvents through BullMQ on the local Redis, and writes every span it recorded.
 */
describe('OpenTelemetry traces of a view', () => {
  let run: TracedRun;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hie-traces-'));
    const out = path.join(dir, 'spans.json');
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        '-r',
        './test/support/memory-tracing.ts',
        'test/support/traced-views.ts',
        out,
      ],
      { cwd: projectRoot(), env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the traced child failed (${code}): ${stderr}`);
    run = JSON.parse(readFileSync(out, 'utf8')) as TracedRun;
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const view = (name: string): TracedView => run.views.find((v) => v.name === name)!;
  /** The broker's own view span for a request (the neighbouring broker's, which it asked, has the same request id). */
  const viewSpan = (name: string): RecordedSpan =>
    run.spans.find(
      (s) =>
        s.name === 'patient view' &&
        s.attributes['hie.request_id'] === view(name).requestId &&
        s.attributes['hie.view.chain_length'] === 0,
    )!;
  const childrenOf = (span: RecordedSpan): RecordedSpan[] =>
    run.spans.filter((s) => s.parentSpanId === span.spanId && s.traceId === span.traceId);
  const descendantsOf = (span: RecordedSpan): RecordedSpan[] =>
    childrenOf(span).flatMap((child) => [child, ...descendantsOf(child)]);
  const sourceCalls = (span: RecordedSpan): RecordedSpan[] =>
    childrenOf(span).filter((s) => s.name.startsWith('source call '));

  test('when a view is opened, then it is one trace from the inbound request to the answer, with a span per step', () => {
    const span = viewSpan('everything');
    const trace = run.spans.filter((s) => s.traceId === span.traceId);
    // One root: the inbound request's server span, named by the broker's route.
    const roots = trace.filter((s) => !s.parentSpanId);
    expect(roots).toHaveLength(1);
    expect(roots[0]!.kind).toBe(SpanKind.SERVER);
    expect(roots[0]!.name).toBe('GET /fhir/Patient/:id/$everything');
    expect(childrenOf(span).map((s) => s.name)).toEqual(
      expect.arrayContaining(['governance decision', 'merge', 'relationship decision', 'audit commit']),
    );
    const answer = trace.find((s) => s.name === 'answer')!;
    expect(answer.attributes['hie.answer.entries']).toBeGreaterThan(0);
    expect(answer.attributes['hie.answer.bytes']).toBeGreaterThan(0);
    expect(span.attributes).toMatchObject({
      'hie.view.availability': 'found',
      'hie.access.basis': 'verified',
    });
    // Every view is its own trace.
    const traces = new Set(run.views.map((v) => viewSpan(v.name).traceId));
    expect(traces.size).toBe(run.views.length);
  });

  test('when every source answers, then the view has one child span per source with its kind, outcome, resources and bytes', () => {
    const calls = sourceCalls(viewSpan('everything'));
    expect(calls.map((s) => s.attributes['hie.source.id']).sort()).toEqual([...SIM_NODE_IDS].sort());
    for (const call of calls) {
      expect(call.attributes['hie.source.outcome']).toBe('ok');
      expect(call.attributes['hie.source.kind']).toEqual(expect.any(String));
      expect(call.attributes['hie.source.resources']).toBeGreaterThan(0);
      expect(call.attributes['hie.source.response_bytes']).toBeGreaterThan(0);
      expect(call.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    const merge = childrenOf(viewSpan('everything')).find((s) => s.name === 'merge')!;
    expect(merge.attributes['hie.merge.received']).toBeGreaterThan(0);
    expect(merge.attributes['hie.merge.grouped']).toBeGreaterThan(0);
  });

  test('when a source hangs, then its span ends as a timeout with an error status and the others stay ok', () => {
    const calls = sourceCalls(viewSpan('acute-hangs'));
    const acute = calls.find((s) => s.attributes['hie.source.id'] === 'acute')!;
    expect(acute.attributes['hie.source.outcome']).toBe('timeout');
    expect(acute.status.code).toBe(SpanStatusCode.ERROR);
    expect(calls.filter((s) => s !== acute).map((s) => s.attributes['hie.source.outcome'])).toEqual(
      Array(SIM_NODE_IDS.length - 1).fill('ok'),
    );
  });

  test("when the caller sends a traceparent, then the view joins the caller's trace", () => {
    const span = viewSpan('acute-hangs');
    const [, traceId, parentId] = CALLER_TRACEPARENT.split('-');
    expect(span.traceId).toBe(traceId);
    const root = run.spans.find((s) => s.traceId === traceId && s.parentSpanId === parentId)!;
    expect(root.kind).toBe(SpanKind.SERVER);
  });

  test('when the broker calls a source or a peer broker, then the source joins the trace below that call', () => {
    for (const call of sourceCalls(viewSpan('everything'))) {
      const joined = descendantsOf(call).some((s) => s.kind === SpanKind.SERVER);
      expect({ source: call.attributes['hie.source.id'], joined }).toEqual({
        source: call.attributes['hie.source.id'],
        joined: true,
      });
    }
    // The neighbouring broker's own view is part of the same trace.
    const peer = sourceCalls(viewSpan('everything')).find(
      (s) => s.attributes['hie.source.kind'] === 'broker',
    )!;
    expect(descendantsOf(peer).some((s) => s.name === 'patient view')).toBe(true);
  });

  test('when a view is audited, then the BullMQ delivery of its AuditEvent joins its trace under the audit commit', () => {
    expect(run.delivered).toBe(run.views.length);
    for (const { name } of run.views) {
      const commit = childrenOf(viewSpan(name)).find((s) => s.name === 'audit commit')!;
      const delivery = childrenOf(commit).find((s) => s.name === 'audit delivery fhir');
      expect({ view: name, delivery: delivery?.kind }).toEqual({ view: name, delivery: SpanKind.CONSUMER });
      expect(descendantsOf(delivery!).some((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    }
  });

  test('when access is refused, then the trace says why, without the patient', () => {
    const span = viewSpan('no-relationship');
    expect(view('no-relationship').status).toBe(403);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('forbidden');
    const decision = childrenOf(span).find((s) => s.name === 'relationship decision')!;
    expect(decision.attributes['hie.denied.reason']).toBe('no-relationship');
  });

  test('when full demo views are traced, then no span holds an NHS number, a name or a token', () => {
    expect(run.phi.length).toBeGreaterThan(5);
    const leaks = run.spans.flatMap((span) => {
      const text = JSON.stringify([span.name, span.attributes, span.events, span.status]);
      return run.phi.filter((phi) => text.includes(phi)).map((phi) => `${span.name}: ${phi.slice(0, 12)}…`);
    });
    expect(leaks).toEqual([]);
    // Nor any URL that could carry one: no query, no long run of digits.
    for (const span of run.spans) {
      for (const key of ['url.full', 'url.path']) {
        const value = span.attributes[key];
        if (typeof value === 'string') expect(value).not.toMatch(/\d{10}|\?/);
      }
    }
  });
});

describe('the tracing entry', () => {
  /** Loads observability/tracing.ts as `npm start` does and says whether the SDK came with it. */
  async function loadsSdk(env: Record<string, string>): Promise<boolean> {
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        '-r',
        './broker/observability/tracing.ts',
        '-e',
        "process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('@opentelemetry/sdk-node'))))",
      ],
      {
        cwd: projectRoot(),
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await new Promise((resolve) => child.once('exit', resolve));
    return out === 'true';
  }

  test('when no OTEL_* variable asks for traces, then the broker starts without the SDK', async () => {
    expect(await loadsSdk({})).toBe(false);
    expect(await loadsSdk({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  }, 30_000);

  test('when OTEL_TRACES_EXPORTER names an exporter, then the SDK is started before the app', async () => {
    expect(await loadsSdk({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  }, 30_000);
});
