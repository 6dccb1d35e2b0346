/**
 * A traced child process (run by test/tracing.int.test.ts): `node -r @swc-node/register -r
 * ./test/support/memory-tracing.ts test/support/traced-views.ts <out.json>`. Starts the five simulated
 * nodes and a broker, opens a few views over real HTTP, and writes every span the SDK recorded, with
 * the views and the PHI they showed (NHS numbers, the patient's names, the tokens used), as JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { flushTraces } from '../../broker/observability/spans';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';
import { AuditSink } from './audit-sink';
import { bearer } from './identity';
import { tracing } from './memory-tracing';
import { CALLER_TRACEPARENT, type RecordedSpan, type TracedRun, type TracedView } from './traced-run';
import { startTestRegion } from './test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
/** A database no other test uses (they use 0), so that this run's keys can be removed whole. */
const REDIS_URL = 'redis://127.0.0.1:6379/13';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: traced-views.ts <out.json>');
  // Delivery through BullMQ on the local Redis, in a database of its own: the broker's id (its key
  // prefix) must stay the one the neighbouring region trusts.
  const sink = await AuditSink.start();
  const auditDirectory = mkdtempSync(path.join(tmpdir(), 'hie-traced-audit-'));
  const t = await startTestRegion({
    // Room for a loaded CI machine: the healthy sources must answer; the hung one times out at 2.5 s.
    federation: { deadlineMs: 5000, sourceTimeoutMs: 2500 },
    audit: {
      store: { kind: 'file', directory: auditDirectory },
      sinks: { fhir: { url: sink.url, timeoutMs: 2000 } },
    },
    config: { redis: { url: REDIS_URL } },
  });
  const views: TracedView[] = [];
  const phi = new Set<string>([RICH, '900 000 0009', ...Object.values(DEMO_NHS_NUMBERS)]);
  const open = async (
    name: string,
    url: string,
    options: { persona?: Parameters<typeof bearer>[0]; traceparent?: string } = {},
  ): Promise<unknown> => {
    const authorization = await bearer(options.persona ?? 'gp');
    phi.add(authorization.slice('Bearer '.length));
    const response = await fetch(url, {
      headers: {
        accept: 'application/fhir+json',
        authorization,
        ...(options.traceparent ? { traceparent: options.traceparent } : {}),
      },
    });
    const body = (await response.json()) as unknown;
    views.push({
      name,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? '',
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    });
    return body;
  };
  try {
    // A full demo view: every source answers.
    const bundle = (await open('everything', `${t.fhir}/Patient/${RICH}/$everything`)) as Bundle;
    for (const entry of bundle.entry ?? []) {
      if (entry.resource?.resourceType !== 'Patient') continue;
      for (const name of (entry.resource as Patient).name ?? []) {
        for (const part of [...(name.given ?? []), name.family ?? '']) if (part.length > 2) phi.add(part);
      }
    }
    // The viewer's record of the same patient.
    await open('record', `${t.broker.url}/api/v1/patients/${RICH}/record`);
    // The acute trust hangs: its span ends as a timeout; the caller's trace is joined.
    t.region.nodes.acute.setFault({ fault: { kind: 'hang' } });
    await open('acute-hangs', `${t.fhir}/Patient/${RICH}/$everything`, { traceparent: CALLER_TRACEPARENT });
    t.heal();
    // Refused after the fan-out: no relationship between this clinician's organisation and the patient.
    await open('no-relationship', `${t.fhir}/Patient/${RICH}/$everything`, {
      persona: 'unrelated-clinician',
    });
    // Every AuditEvent committed (one per view) reaches the sink through a BullMQ job.
    const deadline = Date.now() + 20_000;
    while (sink.stored.size < views.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await t.close();
    await sink.down();
    await removeKeys('hie-broker:*');
    rmSync(auditDirectory, { recursive: true, force: true });
  }
  // Not shutdown(): the in-memory exporter forgets its spans when shut down.
  await flushTraces();
  const spans: RecordedSpan[] = tracing.exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    status: span.status,
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({
      name: event.name,
      ...(event.attributes ? { attributes: { ...event.attributes } } : {}),
    })),
    scope: span.instrumentationScope.name,
  }));
  writeFileSync(
    out,
    JSON.stringify({ views, spans, phi: [...phi], delivered: sink.stored.size } satisfies TracedRun),
  );
}

/** This run's keys in the shared Redis. */
async function removeKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// Only as the child's script: imported (by mistake, or by jest), it must not write over its argument.
if (require.main === module)
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `traced-views failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
