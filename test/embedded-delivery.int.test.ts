import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { Journal, JournalStream, NewJournalEntry } from '../broker/audit/journal/journal';
import { openJournal } from '../broker/audit/journal/open-journal';
import { startDelivery, type RunningDelivery } from '../broker/jobs/start-delivery';
import { createLogger } from '../broker/observability/logger';
import { AuditSink, type AuditSinkOptions } from './support/audit-sink';
import { WATCHED_NHS_NUMBER, alertEntry, auditEntry, consentEntry } from './support/journal-entries';
import { captureLogs } from './support/log-capture';
import { metricValue } from './support/metric-value';
import { waitUntil } from './support/wait-until';

/** The embedded default: no Redis, the journal in a file, delivery in the broker's own process. */
describe('audit delivery in process (embedded mode, no Redis)', () => {
  let dir: string;
  let journal: Journal;
  let registry: Registry;
  let logs: Record<string, unknown>[];
  let delivery: RunningDelivery | undefined;
  const sinks: AuditSink[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hie-delivery-'));
    registry = new Registry();
    journal = await openJournal(
      { kind: 'file', directory: path.join(dir, 'journal') },
      createLogger({ level: 'silent' }),
    );
  });
  afterEach(async () => {
    await delivery?.close();
    delivery = undefined;
    await journal.close();
    await Promise.all(sinks.splice(0).map((sink) => sink.down()));
    rmSync(dir, { recursive: true, force: true });
  });

  const sink = async (options: AuditSinkOptions = {}): Promise<AuditSink> => {
    const started = await AuditSink.start(options);
    sinks.push(started);
    return started;
  };
  const commit = async (entries: readonly NewJournalEntry[]): Promise<string[]> => {
    await journal.append(entries);
    return entries.map((entry) => entry.id);
  };
  const undelivered = async (sinkName: string, stream: JournalStream): Promise<number> =>
    (await journal.undelivered(sinkName, [stream], 1000)).length;
  /** Delivery as the broker starts it without Redis, its log lines captured. */
  const start = (
    sinkConfig: Record<string, { url: string; token?: { file: string }; timeoutMs: number }>,
    policy: { attempts: number; backoffMs: number; relayIntervalMs: number },
  ): RunningDelivery => {
    const capture = captureLogs();
    logs = capture.logs;
    return startDelivery({
      journal,
      audit: { sinks: sinkConfig, delivery: policy },
      brokerId: 'embedded-test',
      logger: createLogger({ level: 'debug', destination: capture.destination }),
      registry,
    });
  };

  it('when every sink fails its first attempts, then each entry reaches each sink once, after retries with doubling backoff', async () => {
    const fhir = await sink({ failFirst: 2 });
    const siem = await sink({ failFirst: 1 });
    const alerts = await sink({ failFirst: 1 });
    const tokenFile = path.join(dir, 'siem-token');
    writeFileSync(tokenFile, 'siem-secret-token\n');
    const audits = await commit(Array.from({ length: 20 }, auditEntry));
    const raised = await commit(Array.from({ length: 5 }, alertEntry));
    await commit([consentEntry(), consentEntry()]);

    // A long relay interval: only the first sweep enqueues, so every retry seen is the queue's own.
    delivery = start(
      {
        fhir: { url: `${fhir.url}/fhir`, timeoutMs: 2000 },
        siem: { url: `${siem.url}/events`, token: { file: tokenFile }, timeoutMs: 2000 },
        alerts: { url: `${alerts.url}/alerts`, timeoutMs: 2000 },
      },
      { attempts: 4, backoffMs: 100, relayIntervalMs: 60_000 },
    );
    await waitUntil('every sink has everything', async () => {
      const left = await Promise.all([
        undelivered('fhir', 'audit'),
        undelivered('siem', 'audit'),
        undelivered('alerts', 'alert'),
      ]);
      return left.every((n) => n === 0);
    });

    expect([...fhir.stored.keys()].sort()).toEqual([...audits].sort());
    expect([...siem.stored.keys()].sort()).toEqual([...audits].sort());
    expect([...alerts.stored.keys()].sort()).toEqual([...raised].sort());
    expect(fhir.receipts).toHaveLength(20 * 3);
    expect(siem.receipts).toHaveLength(20 * 2);
    expect(alerts.receipts).toHaveLength(5 * 2);

    // Retries wait 100 ms then 200 ms (less at most 20 % jitter).
    for (const id of audits) {
      const times = fhir.receipts.filter((r) => r.id === id).map((r) => r.at);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(80);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(160);
    }
    const put = fhir.receipts.find((r) => r.status === 201)!;
    expect(put).toMatchObject({ method: 'PUT', contentType: 'application/fhir+json' });
    expect(put.path).toBe(`/fhir/AuditEvent/${put.id}`);
    expect(put.body).toMatchObject({ resourceType: 'AuditEvent', id: put.id });
    expect(put.authorization).toBeUndefined();
    const post = siem.receipts.find((r) => r.status === 201)!;
    expect(post).toMatchObject({
      method: 'POST',
      path: '/events',
      contentType: 'application/json',
      idempotencyKey: post.id,
      authorization: 'Bearer siem-secret-token',
    });
    const alert = alerts.receipts.find((r) => r.status === 201)!;
    expect(alert).toMatchObject({ method: 'POST', path: '/alerts', idempotencyKey: alert.id });
    expect(alert.body).toMatchObject({ id: alert.id, kind: 'emergency', patient: WATCHED_NHS_NUMBER });

    expect(await metricValue(registry, 'hie_audit_delivered_total', { sink: 'fhir' })).toBe(20);
    expect(await metricValue(registry, 'hie_audit_delivered_total', { sink: 'alerts' })).toBe(5);
    expect(
      await metricValue(registry, 'hie_audit_delivery_failures_total', { sink: 'fhir', reason: 'http-5xx' }),
    ).toBe(40);
    // Logs name entries by id only: never the patient, the user's name or the token.
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(WATCHED_NHS_NUMBER);
    expect(logged).not.toContain('Dr Jane Example');
    expect(logged).not.toContain('siem-secret-token');
  });

  it('when a sink is down past every attempt and then comes back, then the next sweeps deliver everything it missed', async () => {
    const fhir = await sink();
    await fhir.down();
    const audits = await commit(Array.from({ length: 10 }, auditEntry));

    delivery = start(
      { fhir: { url: fhir.url, timeoutMs: 1000 } },
      { attempts: 2, backoffMs: 50, relayIntervalMs: 200 },
    );
    // Both attempts of every job refused: the jobs are gone, and only the sweep can bring them back.
    await waitUntil(
      'the first attempts are used up',
      async () =>
        (await metricValue(registry, 'hie_audit_delivery_failures_total', {
          sink: 'fhir',
          reason: 'transport',
        })) >= 20,
    );
    expect(logs.some((l) => String(l.msg).includes('attempts used up'))).toBe(true);
    expect(await undelivered('fhir', 'audit')).toBe(10);

    await fhir.up();
    await waitUntil('the sink has everything', async () => (await undelivered('fhir', 'audit')) === 0);
    expect([...fhir.stored.keys()].sort()).toEqual([...audits].sort());
    expect(fhir.receipts).toHaveLength(10);
  });

  it('when one sink refuses with 400, then the others still receive everything and the refusal is logged as its configuration problem', async () => {
    const fhir = await sink();
    const siem = await sink({ status: 400 });
    const alerts = await sink();
    const audits = await commit(Array.from({ length: 15 }, auditEntry));
    const raised = await commit([alertEntry(), alertEntry()]);

    delivery = start(
      {
        fhir: { url: fhir.url, timeoutMs: 1000 },
        siem: { url: siem.url, timeoutMs: 1000 },
        alerts: { url: alerts.url, timeoutMs: 1000 },
      },
      { attempts: 2, backoffMs: 50, relayIntervalMs: 200 },
    );
    await waitUntil(
      'fhir and alerts have everything',
      async () => (await undelivered('fhir', 'audit')) === 0 && (await undelivered('alerts', 'alert')) === 0,
    );

    expect(fhir.stored.size).toBe(audits.length);
    expect(alerts.stored.size).toBe(raised.length);
    expect(siem.stored.size).toBe(0);
    expect(siem.receipts.length).toBeGreaterThanOrEqual(audits.length);
    expect(await undelivered('siem', 'audit')).toBe(audits.length);
    const refusal = logs.find((l) => String(l.msg).includes('check the sink configuration'));
    expect(refusal).toMatchObject({ level: 'error', sink: 'siem', status: 400, reason: 'http-4xx' });
    // One line per sink and kind of failure a minute, not one per job.
    expect(logs.filter((l) => l.sink === 'siem' && l.status === 400).length).toBeLessThanOrEqual(2);
  });

  it('when nudged after a commit, then the entry is relayed at once rather than at the next interval', async () => {
    const fhir = await sink();
    delivery = start(
      { fhir: { url: fhir.url, timeoutMs: 1000 } },
      { attempts: 3, backoffMs: 50, relayIntervalMs: 60_000 },
    );
    // Let the first sweep (on start) find the journal empty.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [id] = await commit([auditEntry()]);

    const nudged = Date.now();
    delivery.nudge();
    await waitUntil('the sink has the entry', () => fhir.stored.has(id!), { timeoutMs: 3000 });
    expect(Date.now() - nudged).toBeLessThan(3000);
  });
});
