import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Subscription } from '@medplum/fhirtypes';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/load-config';
import { AuditTrail } from '../broker/audit/audit-trail';
import type { Journal } from '../broker/audit/journal/journal';
import { openJournal } from '../broker/audit/journal/open-journal';
import { FanOut } from '../broker/events/fan-out';
import { notificationBodySchema } from '../broker/events/notification-entry';
import { NotificationMetrics } from '../broker/events/notification-metrics';
import type { SubscriptionRecord } from '../broker/events/subscription-record';
import { SubscriptionStore } from '../broker/events/subscription-store';
import { ObjectionRegister } from '../broker/governance/objection-register';
import { createLogger } from '../broker/observability/logger';
import { startBroker, type RunningBroker } from '../broker/start-broker';
import { EventSystemClient } from '../sim/event-system-client';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { ReceivingEd } from '../sim/receiving-ed';
import { sharedStoresEventConfig } from './support/event-broker';
import { incidentEvent, subscriptionTo } from './support/event-fixtures';
import { superuser, TEST_DATABASE_URL } from './support/journal-stores';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';

/** Two broker pods (both relay and deliver) sharing one PostgreSQL journal and one Redis. */
describe('notifications from two broker pods (PostgreSQL journal, real Redis)', () => {
  const schema = `events_cluster_${randomBytes(5).toString('hex')}`;
  let redis: RedisServerProcess;
  let store: RunningFhirNode;
  let pods: RunningBroker[] = [];
  let ambulance: EventSystemClient;
  let edSystem: EventSystemClient;
  let otherEdSystem: EventSystemClient;
  let ed: ReceivingEd;
  let quiet: ReceivingEd;
  let keyDir: string;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    store = await startFhirNode({ dataset: generatePopulation({ size: 2 }).nodes.acute });
    [ambulance, edSystem, otherEdSystem] = await Promise.all([
      EventSystemClient.start('cluster-ambulance'),
      EventSystemClient.start('cluster-ed'),
      EventSystemClient.start('cluster-other-ed'),
    ]);
    keyDir = mkdtempSync(path.join(tmpdir(), 'hie-key-'));
    const config = loadConfig({
      env: {},
      overrides: sharedStoresEventConfig({
        id: 'cluster-host',
        keyDir,
        storeUrl: store.baseUrl,
        schema,
        redisUrl: redis.url,
        systems: [
          {
            clientId: 'cluster-ambulance',
            name: 'Ambulance',
            odsCode: 'R1Z',
            jwksUrl: ambulance.jwksUrl,
            publishes: ['ambulance-incident'],
          },
          { clientId: 'cluster-ed', name: 'ED', odsCode: 'R1X', jwksUrl: edSystem.jwksUrl },
          { clientId: 'cluster-other-ed', name: 'Other ED', odsCode: 'R1Y', jwksUrl: otherEdSystem.jwksUrl },
        ],
        delivery: { relayIntervalMs: 100, backoffMs: 20 },
      }),
    });
    const logger = createLogger({ level: 'silent' });
    pods = [
      await startBroker(config, logger, { publicBaseUrl: 'listening-address' }),
      await startBroker(config, logger, { publicBaseUrl: 'listening-address' }),
    ];
    ed = await ReceivingEd.start(`${pods[0]!.url}/.well-known/jwks.json`);
    quiet = await ReceivingEd.start(`${pods[0]!.url}/.well-known/jwks.json`);
  });
  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await Promise.all([
      ed?.close(),
      quiet?.close(),
      ambulance?.close(),
      edSystem?.close(),
      otherEdSystem?.close(),
    ]);
    await store?.close();
    await redis?.stop();
    rmSync(keyDir, { recursive: true, force: true });
    await superuser(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('when both pods fan out events for one subscription at once, then every notification has its own events-since-start number, 1 to n', async () => {
    const made = await edSystem.post(
      pods[0]!.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect((made.body as Subscription).status).toBe('active');
    const n = 24;
    const posted = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ambulance.post(
          pods[i % 2]!.url,
          '/events/ambulance-incident',
          incidentEvent({ incidentId: `C-${i}`, nhsNumber: DEMO_NHS_NUMBERS.rich }),
        ),
      ),
    );
    expect(posted.every((p) => p.status === 202)).toBe(true);
    await waitUntil('every notification arrives', () => ed.eventNotifications().length === n, {
      timeoutMs: 20_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const numbers = ed.eventNotifications().map((notification) => notification.events[0]!.eventNumber);
    expect(numbers).toHaveLength(n);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('when a subscription asks for a heartbeat every second, then the cluster sends one per period, not one per pod', async () => {
    const made = await otherEdSystem.post(
      pods[1]!.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1Y', endpoint: quiet.endpoint, heartbeatSeconds: 1 }),
    );
    expect((made.body as Subscription).status).toBe('active');
    await waitUntil(
      'four heartbeats arrive',
      () => quiet.received.filter((r) => r.type === 'heartbeat').length >= 4,
      {
        timeoutMs: 10_000,
      },
    );
    const times = quiet.received.filter((r) => r.type === 'heartbeat').map((r) => r.receivedAt);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // One per period across the cluster: no two heartbeats (one from each pod) close together.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(800);
  });
});

describe('numbering notifications in the shared journal', () => {
  const schema = `events_numbers_${randomBytes(5).toString('hex')}`;
  const logger = createLogger({ level: 'silent' });
  let journals: Journal[] = [];

  afterAll(async () => {
    await Promise.all(journals.map((journal) => journal.close()));
    await superuser(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('when two processes fan out different events for one subscription at the same moment, then no number is given twice or skipped', async () => {
    const store = { kind: 'postgres' as const, url: TEST_DATABASE_URL, schema, poolSize: 4 };
    journals = [await openJournal(store, logger), await openJournal(store, logger)];
    const subscription: SubscriptionRecord = {
      id: randomUUID(),
      status: 'active',
      owner: 'cluster-ed',
      ownerOds: 'R1X',
      topic: 'ambulance-arrival',
      filterOds: 'R1X',
      endpoint: 'https://ed.example/notify',
      reason: 'test',
      created: new Date().toISOString(),
    };
    await new SubscriptionStore(journals[0]!).save(subscription);
    const events = await journals[0]!.append(
      Array.from({ length: 20 }, (_, i) => ({
        id: randomUUID(),
        stream: 'event' as const,
        recorded: new Date().toISOString(),
        keys: { ref: `N-${i}` },
        body: {
          topic: 'ambulance-arrival',
          event: 'conveying',
          nhsNumber: DEMO_NHS_NUMBERS.rich,
          occurredAt: new Date().toISOString(),
          source: { clientId: 'cluster-ambulance', name: 'Ambulance', odsCode: 'R1Z' },
          sourceId: `N-${i}`,
          filterOds: 'R1X',
        },
      })),
    );
    // Two "pods": each its own journal connection pool and fan-out; each takes every other event.
    const fanOuts = journals.map(
      (journal) =>
        new FanOut({
          journal,
          subscriptions: new SubscriptionStore(journal),
          objections: new ObjectionRegister(
            new AuditTrail({
              journal,
              broker: { id: 'cluster-host', name: 'Cluster', odsCode: 'X26' },
              logger,
            }),
          ),
          metrics: new NotificationMetrics(new Registry()),
          logger,
        }),
    );
    await Promise.all(
      fanOuts.map(async (fanOut, pod) => {
        for (const event of events.filter((_, i) => i % 2 === pod)) await fanOut.run(event);
      }),
    );
    // And both again over all of them (a sweep that overlaps): nothing more is made.
    await Promise.all(fanOuts.map(async (fanOut) => Promise.all(events.map((event) => fanOut.run(event)))));
    const notifications = await journals[0]!.query({
      stream: 'notification',
      ref: subscription.id,
      limit: 100,
    });
    const numbers = notifications.map((n) => notificationBodySchema.parse(n.body).eventNumber);
    expect(numbers).toHaveLength(20);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
