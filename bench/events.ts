import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load-config';
import { createLogger } from '../broker/observability/logger';
import { startBroker } from '../broker/start-broker';
import { EventSystemClient } from '../sim/event-system-client';
import { startFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { ReceivingEd } from '../sim/receiving-ed';
import { percentile, round } from './stats';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const TOPIC = 'https://fhir.hie-broker.org/SubscriptionTopic/ambulance-arrival';

export interface EventsBenchRun {
  readonly mode: 'in-process' | 'bullmq';
  /** `burst`: as fast as the posters go (throughput); `paced`: a steady offered rate (latency below saturation). */
  readonly load: string;
  readonly events: number;
  readonly seconds: number;
  /** Events from the first post to the last fast-subscriber receipt, per second. */
  readonly perSecond: number;
  /** From the source's POST to the subscriber's receipt (fast ED). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slow subscriber's share, and what it had received by the end. */
  readonly slowEvents: number;
  readonly slowReceived: number;
}

const subscription = (ods: string, endpoint: string): Record<string, unknown> => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'benchmark',
  criteria: TOPIC,
  _criteria: {
    extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: `Encounter?destination=${ods}` }],
  },
  channel: {
    type: 'rest-hook',
    endpoint,
    payload: 'application/fhir+json',
    _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'id-only' }] },
  },
});

async function redisAvailable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Events per second from receipt to delivery, and the latency from the source's POST to the
 * subscriber's receipt, with a slow subscriber (slowDelayMs per notification) taking every tenth
 * event: in process, and through BullMQ when Redis answers.
 */
export async function runEventsBench(options: {
  events: number;
  concurrency: number;
  slowDelayMs: number;
  redisUrl: string;
  /** The steady rate of the paced runs (events/s). */
  pacedPerSecond: number;
}): Promise<readonly EventsBenchRun[]> {
  const runs: EventsBenchRun[] = [];
  const modes: EventsBenchRun['mode'][] = ['in-process'];
  if (await redisAvailable(options.redisUrl)) modes.push('bullmq');
  for (const mode of modes) {
    runs.push(await runOnce(mode, options));
    runs.push(await runOnce(mode, { ...options, ratePerSecond: options.pacedPerSecond }));
  }
  return runs;
}

async function runOnce(
  mode: EventsBenchRun['mode'],
  options: {
    events: number;
    concurrency: number;
    slowDelayMs: number;
    redisUrl: string;
    ratePerSecond?: number;
  },
): Promise<EventsBenchRun> {
  const store = await startFhirNode({ dataset: generatePopulation({ size: 2 }).nodes.acute });
  const [ambulance, fastSystem, slowSystem] = await Promise.all(
    ['bench-ambulance', 'bench-fast-ed', 'bench-slow-ed'].map((id) => EventSystemClient.start(id)),
  );
  const directory = mkdtempSync(path.join(tmpdir(), 'hie-bench-events-'));
  const brokerId = `bench-events-${process.pid}-${Date.now() % 100000}`;
  const config = loadConfig({
    env: {},
    overrides: {
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 500 },
      broker: { id: brokerId, name: 'Bench', odsCode: 'X26', allowEphemeralSigningKey: true },
      sources: [
        {
          id: 'acute',
          kind: 'fhir-r4',
          name: 'Acute',
          odsCode: 'R1X',
          baseUrl: store.baseUrl,
          supplies: ['Encounter'],
        },
      ],
      audit: { store: { kind: 'file', directory } },
      logging: { level: 'warn' },
      ...(mode === 'bullmq' ? { redis: { url: options.redisUrl } } : {}),
      events: {
        systems: [
          {
            clientId: 'bench-ambulance',
            name: 'Ambulance',
            odsCode: 'R1Z',
            jwksUrl: ambulance!.jwksUrl,
            publishes: ['ambulance-incident'],
          },
          { clientId: 'bench-fast-ed', name: 'Fast ED', odsCode: 'R1X', jwksUrl: fastSystem!.jwksUrl },
          { clientId: 'bench-slow-ed', name: 'Slow ED', odsCode: 'R1Y', jwksUrl: slowSystem!.jwksUrl },
        ],
        delivery: { relayIntervalMs: 500 },
        allowHttpEndpoints: true,
        subscriberEndpoints: { allowPrivateNetworks: true },
      },
    },
  });
  const broker = await startBroker(config, createLogger({ level: 'error' }), {
    publicBaseUrl: 'listening-address',
  });
  const jwks = `${broker.url}/.well-known/jwks.json`;
  const fast = await ReceivingEd.start(jwks);
  const slow = await ReceivingEd.start(jwks);
  slow.setDelay(options.slowDelayMs);
  try {
    await fastSystem!.post(broker.url, '/fhir/Subscription', subscription('R1X', fast.endpoint));
    await slowSystem!.post(broker.url, '/fhir/Subscription', subscription('R1Y', slow.endpoint));
    const token = await ambulance!.token(broker.url);
    const base = Date.UTC(2026, 0, 1);
    const postedAt = new Map<string, number>();
    let next = 0;
    let slowEvents = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < options.events; i = next++) {
        if (options.ratePerSecond) {
          const due = started + (i * 1000) / options.ratePerSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const toSlow = i % 10 === 9;
        if (toSlow) slowEvents += 1;
        const occurredAt = new Date(base + i).toISOString();
        postedAt.set(occurredAt, Date.now());
        const answer = await ambulance!.send(broker.url, '/events/ambulance-incident', {
          method: 'POST',
          token,
          body: {
            incidentId: `BENCH-${i}`,
            status: 'handed-over',
            nhsNumber: DEMO_NHS_NUMBERS.rich,
            occurredAt,
            destination: { odsCode: toSlow ? 'R1Y' : 'R1X' },
          },
        });
        if (answer.status !== 202) throw new Error(`event refused: HTTP ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const fastEvents = options.events - slowEvents;
    const deadline = Date.now() + 120_000;
    while (fast.eventNotifications().length < fastEvents && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    const latencies = fast
      .eventNotifications()
      .map((n) => n.receivedAt - postedAt.get(n.events[0]!.timestamp!)!)
      .sort((a, b) => a - b);
    return {
      mode,
      load: options.ratePerSecond ? `paced ${options.ratePerSecond}/s` : 'burst',
      events: options.events,
      seconds: round(seconds, 2),
      perSecond: round(fast.eventNotifications().length / seconds),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      slowEvents,
      slowReceived: slow.eventNotifications().length,
    };
  } finally {
    await broker.close();
    await Promise.all([
      fast.close(),
      slow.close(),
      store.close(),
      ambulance!.close(),
      fastSystem!.close(),
      slowSystem!.close(),
    ]);
    if (mode === 'bullmq') {
      const redis = new Redis(options.redisUrl);
      const keys = await redis.keys(`hie-broker:${brokerId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
    rmSync(directory, { recursive: true, force: true });
  }
}
