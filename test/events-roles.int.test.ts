import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, loadConfig } from '../config/load-config';
import { createLogger } from '../broker/observability/logger';
import { startBroker, type RunningBroker } from '../broker/start-broker';
import { startWorker, type RunningWorker } from '../broker/start-worker';
import { EventSystemClient } from '../sim/event-system-client';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { ReceivingEd } from '../sim/receiving-ed';
import { sharedStoresEventConfig } from './support/event-broker';
import { incidentEvent, subscriptionTo } from './support/event-fixtures';
import { superuser } from './support/journal-stores';
import { RedisServerProcess } from './support/redis-server';
import { waitUntil } from './support/wait-until';
import { bearer, testIdentity } from './support/identity';

describe('notifications with the api and worker roles apart (PostgreSQL journal, Redis)', () => {
  const schema = `events_roles_${randomBytes(5).toString('hex')}`;
  let redis: RedisServerProcess;
  let store: RunningFhirNode;
  let api: RunningBroker;
  let worker: RunningWorker;
  let ambulance: EventSystemClient;
  let edSystem: EventSystemClient;
  let ed: ReceivingEd;
  let keyDir: string;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    store = await startFhirNode({ dataset: generatePopulation({ size: 2 }).nodes.acute });
    ambulance = await EventSystemClient.start('roles-ambulance');
    edSystem = await EventSystemClient.start('roles-ed');
    keyDir = mkdtempSync(path.join(tmpdir(), 'hie-key-'));
    const base = sharedStoresEventConfig({
      id: 'roles-host',
      keyDir,
      storeUrl: store.baseUrl,
      schema,
      redisUrl: redis.url,
      systems: [
        {
          clientId: 'roles-ambulance',
          name: 'Ambulance',
          odsCode: 'R1Z',
          jwksUrl: ambulance.jwksUrl,
          publishes: ['ambulance-incident'],
        },
        { clientId: 'roles-ed', name: 'ED', odsCode: 'R1X', jwksUrl: edSystem.jwksUrl },
      ],
      delivery: { relayIntervalMs: 200, backoffMs: 20, attempts: 3 },
      extra: { auth: { issuers: [(await testIdentity()).issuerConfig()] } },
    });
    const logger = createLogger({ level: 'silent' });
    api = await startBroker(loadConfig({ env: {}, overrides: base }), logger, {
      delivery: 'relay',
      publicBaseUrl: 'listening-address',
    });
    worker = await startWorker(
      loadConfig({ env: {}, overrides: deepMerge(base, { server: { publicBaseUrl: `${api.url}/fhir` } }) }),
      logger,
    );
    ed = await ReceivingEd.start(`${api.url}/.well-known/jwks.json`);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await Promise.all([ed?.close(), ambulance?.close(), edSystem?.close(), store?.close()]);
    await redis?.stop();
    rmSync(keyDir, { recursive: true, force: true });
    await superuser(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('when the api role records an event, then the worker delivers the notification, signed with the key the api serves', async () => {
    const made = await edSystem.post(
      api.url,
      '/fhir/Subscription',
      subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint }),
    );
    expect(made.status).toBe(201);
    const posted = await ambulance.post(
      api.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'R-1', nhsNumber: DEMO_NHS_NUMBERS.rich }),
    );
    expect(posted.status).toBe(202);
    await waitUntil('the ED has it', () => ed.eventNotifications().length === 1);
    expect(ed.rejectedSignatures).toBe(0);
    expect(ed.eventNotifications()[0]!.events[0]!.focus).toBe(
      `${api.url}/fhir/Encounter?patient=${DEMO_NHS_NUMBERS.rich}`,
    );
  });

  it('when the worker gives up on a notification, then an administrator redelivers it through the api and the worker delivers it, once', async () => {
    const before = ed.eventNotifications().length;
    ed.setDown(true);
    await ambulance.post(
      api.url,
      '/events/ambulance-incident',
      incidentEvent({ incidentId: 'R-2', nhsNumber: DEMO_NHS_NUMBERS.rich }),
    );
    const admin = { authorization: await bearer('admin') };
    let notificationId: string | undefined;
    await waitUntil(
      'the api lists it as dead-lettered',
      async () => {
        const list = (await (await fetch(`${api.url}/admin/notifications`, { headers: admin })).json()) as {
          notifications: { notificationId: string }[];
        };
        notificationId = list.notifications[0]?.notificationId;
        return notificationId !== undefined;
      },
      { timeoutMs: 15_000, everyMs: 250 },
    );
    ed.setDown(false);
    const posts = ed.posts;
    const redelivered = await fetch(`${api.url}/admin/notifications/${notificationId}/redeliver`, {
      method: 'POST',
      headers: admin,
    });
    expect(redelivered.status).toBe(202);
    await waitUntil('the ED has it', () => ed.eventNotifications().length === before + 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(ed.posts - posts).toBe(1);
    expect(ed.eventNotifications().at(-1)!.notificationId).toBe(notificationId);
  });
});
