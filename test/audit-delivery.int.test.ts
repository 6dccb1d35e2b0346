import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { Journal, JournalStream } from '../broker/audit/journal/journal';
import { openJournal } from '../broker/audit/journal/open-journal';
import { startDelivery, type RunningDelivery } from '../broker/jobs/start-delivery';
import { createLogger } from '../broker/observability/logger';
import { AuditSink, type AuditSinkOptions } from './support/audit-sink';
import { BrokerProcess, UNUSED_SOURCE, writeConfigFile } from './support/broker-process';
import { WATCHED_NHS_NUMBER, alertEntry, auditEntry, consentEntry } from './support/journal-entries';
import { captureLogs } from './support/log-capture';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Delivery with Redis: the PostgreSQL journal as the outbox, BullMQ queues in a Redis of the test's
 * own (so that it can be restarted empty), and the worker role as a real child process.
 */
describe('audit delivery through BullMQ and the worker role', () => {
  let redis: RedisServerProcess;
  const schemas: string[] = [];
  const journals: Journal[] = [];
  const sinks: AuditSink[] = [];
  const processes: BrokerProcess[] = [];
  const deliveries: RunningDelivery[] = [];

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
    await Promise.all(deliveries.splice(0).map((d) => d.close()));
    await Promise.all(journals.splice(0).map((j) => j.close()));
    await Promise.all(sinks.splice(0).map((s) => s.down()));
  });
  afterAll(async () => {
    await redis.stop();
    const pg = new Client({ connectionString: PG_URL });
    await pg.connect();
    for (const schema of schemas) await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
  });

  /** A journal in a PostgreSQL schema of its own, dropped after the suite. */
  const freshJournal = async (): Promise<{ journal: Journal; schema: string }> => {
    const schema = `test_delivery_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    schemas.push(schema);
    const journal = await openJournal(
      { kind: 'postgres', url: PG_URL, schema, poolSize: 4 },
      createLogger({ level: 'silent' }),
    );
    journals.push(journal);
    return { journal, schema };
  };
  const sink = async (options: AuditSinkOptions = {}): Promise<AuditSink> => {
    const started = await AuditSink.start(options);
    sinks.push(started);
    return started;
  };
  const undeliveredIds = async (
    journal: Journal,
    name: string,
    stream: JournalStream,
  ): Promise<Set<string>> =>
    new Set((await journal.undelivered(name, [stream], 1000)).map((entry) => entry.id));

  it('when the worker is killed mid-delivery and Redis restarts empty, then every committed event reaches its sink exactly once', async () => {
    const { journal, schema } = await freshJournal();
    const fhir = await sink({ delayMs: 40 });
    const siem = await sink({ delayMs: 40 });
    const alerts = await sink({ delayMs: 40 });
    const audits: string[] = [];
    const raised: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const entries = [
        ...Array.from({ length: 100 }, auditEntry),
        ...Array.from({ length: 10 }, alertEntry),
        consentEntry(),
      ];
      await journal.append(entries);
      for (const entry of entries)
        if (entry.stream === 'audit') audits.push(entry.id);
        else if (entry.stream === 'alert') raised.push(entry.id);
    }

    const env = {
      BROKER_ROLE: 'worker',
      SIEM_TOKEN: 'siem-secret-token',
      CONFIG_FILE: writeConfigFile({
        server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 500 },
        broker: { id: `delivery-${randomUUID().slice(0, 8)}`, name: 'Delivery test', odsCode: 'X26' },
        sources: [UNUSED_SOURCE],
        redis: { url: redis.url },
        audit: {
          store: { kind: 'postgres', url: PG_URL, schema },
          sinks: {
            fhir: { url: `${fhir.url}/fhir`, timeoutMs: 5000 },
            siem: { url: `${siem.url}/events`, token: { env: 'SIEM_TOKEN' }, timeoutMs: 5000 },
            alerts: { url: `${alerts.url}/alerts`, timeoutMs: 5000 },
          },
          delivery: { attempts: 5, backoffMs: 100, relayIntervalMs: 250 },
        },
        logging: { level: 'info' },
      }),
    };
    const first = BrokerProcess.spawn(env);
    processes.push(first);
    await first.waitReady(`${await first.listeningUrl()}/readyz`);
    await waitUntil('deliveries are under way', () => fhir.receipts.length >= 100, {
      timeoutMs: 30_000,
      everyMs: 5,
    });
    expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const receivedBeforeKill = new Map([fhir, siem, alerts].map((s) => [s, s.receipts.slice()] as const));
    const leftAtKill = new Map([
      [fhir, await undeliveredIds(journal, 'fhir', 'audit')],
      [siem, await undeliveredIds(journal, 'siem', 'audit')],
      [alerts, await undeliveredIds(journal, 'alerts', 'alert')],
    ]);
    // Killed mid-delivery: some delivered and recorded, some not.
    expect(leftAtKill.get(fhir)!.size).toBeGreaterThan(0);
    expect(leftAtKill.get(fhir)!.size).toBeLessThan(audits.length);

    await redis.restart();
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    expect(await probe.dbsize()).toBe(0);
    probe.disconnect();

    const second = BrokerProcess.spawn(env);
    processes.push(second);
    const worker = await second.listeningUrl();
    await second.waitReady(`${worker}/readyz`);
    await waitUntil(
      'the journal shows nothing undelivered',
      async () =>
        (await undeliveredIds(journal, 'fhir', 'audit')).size === 0 &&
        (await undeliveredIds(journal, 'siem', 'audit')).size === 0 &&
        (await undeliveredIds(journal, 'alerts', 'alert')).size === 0,
      { timeoutMs: 60_000, everyMs: 200 },
    );

    let redeliveries = 0;
    for (const [target, committed] of [
      [fhir, audits],
      [siem, audits],
      [alerts, raised],
    ] as const) {
      // Every committed event is there, stored once; nothing else is (no consent, no stranger).
      expect([...target.stored.keys()].sort()).toEqual([...committed].sort());
      expect(target.receipts.every((r) => committed.includes(r.id!) && [200, 201].includes(r.status))).toBe(
        true,
      );
      // Before the kill, each event was sent once.
      const before = receivedBeforeKill.get(target)!;
      expect(new Set(before.map((r) => r.id)).size).toBe(before.length);
      // A second receipt is only ever a redelivery of an event in flight at the kill: sent, not yet recorded.
      for (const [id, count] of target.receiptsById()) {
        if (count === 1) continue;
        expect(count).toBe(2);
        expect(leftAtKill.get(target)!.has(id)).toBe(true);
        expect(before.some((r) => r.id === id)).toBe(true);
        redeliveries += 1;
      }
    }
    // At most what one worker has in flight at once (16 audit + 4 alert deliveries).
    expect(redeliveries).toBeLessThanOrEqual(20);
    process.stderr.write(
      `audit delivery: ${audits.length * 2 + raised.length} deliveries, ${redeliveries} redelivered after the kill\n`,
    );

    expect(fhir.receipts[0]).toMatchObject({ method: 'PUT', contentType: 'application/fhir+json' });
    expect(siem.receipts[0]).toMatchObject({ method: 'POST', authorization: 'Bearer siem-secret-token' });

    // The worker serves its probes and metrics, and no patient data.
    expect((await fetch(`${worker}/livez`)).status).toBe(200);
    const metrics = async (): Promise<string> => (await fetch(`${worker}/metrics`)).text();
    expect(await metrics()).toMatch(/hie_audit_delivered_total\{sink="fhir"\} \d+/);
    // The backlog gauge is what the last sweep saw: the next one sees nothing left.
    await waitUntil('the backlog gauge reads 0', async () =>
      (await metrics()).includes('hie_audit_delivery_backlog{sink="fhir"} 0'),
    );
    const fhirRoute = await fetch(`${worker}/fhir/metadata`);
    expect(fhirRoute.status).toBe(404);
    expect(await fhirRoute.json()).toMatchObject({ resourceType: 'OperationOutcome' });

    expect(await second.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const logged = first.stdout + second.stdout;
    expect(logged).toContain('delivery worker started');
    expect(logged).not.toContain(WATCHED_NHS_NUMBER);
    expect(logged).not.toContain('siem-secret-token');
  }, 120_000);

  it('when Redis restarts empty under a running worker, then the sweeps enqueue again and every event still arrives once', async () => {
    const { journal } = await freshJournal();
    const fhir = await sink({ delayMs: 40 });
    const entries = Array.from({ length: 200 }, auditEntry);
    await journal.append(entries);
    const { logs, destination } = captureLogs();
    deliveries.push(
      startDelivery({
        journal,
        audit: {
          sinks: { fhir: { url: fhir.url, timeoutMs: 2000 } },
          delivery: { attempts: 5, backoffMs: 100, relayIntervalMs: 250 },
        },
        brokerId: `failover-${randomUUID().slice(0, 8)}`,
        redis: redis.url,
        logger: createLogger({ level: 'info', destination }),
        registry: new Registry(),
      }),
    );
    await waitUntil('deliveries are under way', () => fhir.receipts.length >= 40, { everyMs: 5 });

    await redis.restart();
    await waitUntil(
      'the journal shows nothing undelivered',
      async () => (await undeliveredIds(journal, 'fhir', 'audit')).size === 0,
      { timeoutMs: 60_000, everyMs: 200 },
    );
    expect([...fhir.stored.keys()].sort()).toEqual(entries.map((e) => e.id).sort());
    expect(Math.max(...fhir.receiptsById().values())).toBeLessThanOrEqual(2);
    expect(logs.some((l) => l.msg === 'redis connection lost; reconnecting')).toBe(true);
  }, 90_000);

  it('when the api role enqueues, then each job in Redis holds only the entry id and the sink, once', async () => {
    const { journal } = await freshJournal();
    const brokerId = `payload-${randomUUID().slice(0, 8)}`;
    const entries = [auditEntry(), auditEntry(), auditEntry(), alertEntry(), consentEntry()];
    await journal.append(entries);
    const delivery = startDelivery({
      journal,
      audit: {
        sinks: {
          fhir: { url: 'http://127.0.0.1:9/fhir', timeoutMs: 1000 },
          siem: { url: 'http://127.0.0.1:9/siem', timeoutMs: 1000 },
          alerts: { url: 'http://127.0.0.1:9/alerts', timeoutMs: 1000 },
        },
        delivery: { attempts: 3, backoffMs: 100, relayIntervalMs: 60_000 },
      },
      brokerId,
      redis: redis.url,
      logger: createLogger({ level: 'silent' }),
      registry: new Registry(),
      deliver: false,
    });
    deliveries.push(delivery);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const prefix = `hie-broker:${brokerId}:jobs`;
      const jobKeys = async (): Promise<string[]> =>
        (await client.keys(`${prefix}:*`)).filter((key) => /:(fhir|siem|alerts)-[0-9a-f-]{36}$/.test(key));
      await waitUntil('the relay has enqueued every job', async () => (await jobKeys()).length === 3 * 2 + 1);

      const expected = entries.flatMap((entry) =>
        entry.stream === 'audit'
          ? [`audit-shipping:fhir-${entry.id}`, `audit-shipping:siem-${entry.id}`]
          : entry.stream === 'alert'
            ? [`privacy-alerts:alerts-${entry.id}`]
            : [],
      );
      expect((await jobKeys()).map((key) => key.slice(prefix.length + 1)).sort()).toEqual(expected.sort());
      for (const key of await jobKeys()) {
        const data = JSON.parse((await client.hget(key, 'data'))!) as Record<string, unknown>;
        const [, sink, entryId] = /:(fhir|siem|alerts)-([0-9a-f-]{36})$/.exec(key)!;
        expect(data).toEqual({ entryId, sink });
      }

      // Sweeping again adds nothing: the job ids are the same.
      delivery.nudge();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await jobKeys()).length).toBe(7);
      expect(await client.llen(`${prefix}:audit-shipping:wait`)).toBe(6);

      // Nothing under the prefix names the patient or the user, or holds a resource.
      let everything = '';
      for (const key of await client.keys(`${prefix}:*`)) {
        const type = await client.type(key);
        if (type === 'hash') everything += JSON.stringify(await client.hgetall(key));
        else if (type === 'list') everything += JSON.stringify(await client.lrange(key, 0, -1));
        else if (type === 'zset') everything += JSON.stringify(await client.zrange(key, '0', '-1'));
        else if (type === 'set') everything += JSON.stringify(await client.smembers(key));
        else if (type === 'stream') everything += JSON.stringify(await client.xrange(key, '-', '+'));
        else if (type === 'string') everything += (await client.get(key)) ?? '';
      }
      expect(everything).toContain(entries[0]!.id);
      expect(everything).not.toContain(WATCHED_NHS_NUMBER);
      expect(everything).not.toContain('Dr Jane Example');
      expect(everything).not.toContain('AuditEvent');
    } finally {
      client.disconnect();
    }
  });

  it('when one sink answers 400, then BullMQ workers still deliver everything to the others', async () => {
    const { journal } = await freshJournal();
    const fhir = await sink();
    const siem = await sink({ status: 400 });
    const alerts = await sink();
    const entries = [...Array.from({ length: 30 }, auditEntry), alertEntry(), alertEntry()];
    await journal.append(entries);
    const { logs, destination } = captureLogs();
    const delivery = startDelivery({
      journal,
      audit: {
        sinks: {
          fhir: { url: fhir.url, timeoutMs: 1000 },
          siem: { url: siem.url, timeoutMs: 1000 },
          alerts: { url: alerts.url, timeoutMs: 1000 },
        },
        delivery: { attempts: 2, backoffMs: 50, relayIntervalMs: 200 },
      },
      brokerId: `refusal-${randomUUID().slice(0, 8)}`,
      redis: redis.url,
      logger: createLogger({ level: 'info', destination }),
      registry: new Registry(),
    });
    deliveries.push(delivery);

    await waitUntil(
      'fhir and alerts have everything',
      async () =>
        (await undeliveredIds(journal, 'fhir', 'audit')).size === 0 &&
        (await undeliveredIds(journal, 'alerts', 'alert')).size === 0,
    );
    expect(fhir.stored.size).toBe(30);
    expect(alerts.stored.size).toBe(2);
    expect(siem.stored.size).toBe(0);
    expect((await undeliveredIds(journal, 'siem', 'audit')).size).toBe(30);
    expect(logs.find((l) => String(l.msg).includes('check the sink configuration'))).toMatchObject({
      level: 'error',
      sink: 'siem',
      status: 400,
    });
  });

  it.each([
    ['worker', { redis: false, store: 'postgres' }, 'BROKER_ROLE=worker needs Redis'],
    ['api', { redis: false, store: 'postgres' }, 'BROKER_ROLE=api needs Redis'],
    ['worker', { redis: true, store: 'file' }, 'BROKER_ROLE=worker needs the PostgreSQL audit store'],
  ] as const)(
    'when the %s role starts without what it shares (%o), then it refuses: exit code 1, one line, no stack',
    async (role, shared, message) => {
      const broker = BrokerProcess.spawn({
        BROKER_ROLE: role,
        CONFIG_FILE: writeConfigFile({
          server: { host: '127.0.0.1', port: 0 },
          sources: [UNUSED_SOURCE],
          ...(shared.redis ? { redis: { url: redis.url } } : {}),
          audit: {
            store:
              shared.store === 'postgres'
                ? { kind: 'postgres', url: PG_URL, schema: 'never_created' }
                : { kind: 'file', directory: 'data/never-created' },
            sinks: { fhir: { url: 'http://127.0.0.1:9/fhir' } },
          },
        }),
      });
      expect(await broker.exited).toEqual({ code: 1, signal: null });
      expect(broker.stderr).toMatch(new RegExp(`^hie-broker failed to start: ${message}[^\\n]*\\n$`));
      expect(broker.stderr).not.toMatch(/\n\s+at /);
      expect(broker.stdout).toBe('');
    },
  );

  it('when BROKER_ROLE is not a role, then the process names the roles and exits 1', async () => {
    const broker = BrokerProcess.spawn({ BROKER_ROLE: 'scheduler' });
    expect(await broker.exited).toEqual({ code: 1, signal: null });
    expect(broker.stderr).toBe('hie-broker failed to start: BROKER_ROLE must be one of all, api, worker\n');
  });
});
