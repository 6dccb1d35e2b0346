import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal } from '../../broker/audit/journal/open-journal';
import type { Journal, JournalEntry, JournalStream } from '../../broker/audit/journal/journal';
import { createLogger } from '../../broker/observability/logger';
import { startFhirNode, type RunningFhirNode } from '../../sim/fhir-node';
import { EventSystemClient } from '../../sim/event-system-client';
import { generatePopulation } from '../../sim/population/generate-population';
import { startBrokerUnderTest, type BrokerUnderTest } from './broker-under-test';
import { TEST_DATABASE_URL } from './journal-stores';

/** The ambulance service and two EDs (the demo's acute trust R1X, and another R1Y), as registered systems. */
export const AMBULANCE = { clientId: 'london-ambulance', name: 'London Ambulance Service', odsCode: 'R1Z' };
export const ED = { clientId: 'acute-ed', name: 'Acute Trust ED', odsCode: 'R1X' };
export const OTHER_ED = { clientId: 'other-ed', name: 'Other Trust ED', odsCode: 'R1Y' };
export const PRACTICE = { clientId: 'northbrook-gp', name: 'Northbrook Health Centre', odsCode: 'Y90001' };

export interface EventBroker {
  readonly broker: BrokerUnderTest;
  /** Stops the broker (its delivery workers with it) and starts it again on the same journal and key. */
  restartBroker(): Promise<void>;
  /** The same, doing `meanwhile` while the broker is down (e.g. restarting Redis). */
  restartBrokerWith(meanwhile: () => Promise<void>): Promise<void>;
  readonly ambulance: EventSystemClient;
  readonly ed: EventSystemClient;
  readonly otherEd: EventSystemClient;
  readonly practice: EventSystemClient;
  /** The broker's journal, read-only beside it. */
  events(): Promise<readonly JournalEntry[]>;
  /** Entries of any stream, read-only beside it. */
  entries(stream: JournalStream): Promise<readonly JournalEntry[]>;
  close(): Promise<void>;
}

/**
 * A broker in front of a simulated acute store, with the ambulance service and two EDs registered
 * for events; `config` is layered last (redis, events.delivery).
 */
export async function startEventBroker(
  config: Record<string, unknown> = {},
  options: { readonly extraSources?: readonly Record<string, unknown>[] } = {},
): Promise<EventBroker> {
  const store: RunningFhirNode = await startFhirNode({
    dataset: generatePopulation({ size: 5 }).nodes.acute,
  });
  const [ambulance, ed, otherEd, practice] = await Promise.all([
    EventSystemClient.start(AMBULANCE.clientId),
    EventSystemClient.start(ED.clientId),
    EventSystemClient.start(OTHER_ED.clientId),
    EventSystemClient.start(PRACTICE.clientId),
  ]);
  const directory = mkdtempSync(path.join(tmpdir(), 'hie-events-'));
  const pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const start = (): Promise<BrokerUnderTest> =>
    startBrokerUnderTest({
      pem,
      id: 'events-host',
      sources: [
        {
          id: 'acute',
          kind: 'fhir-r4',
          name: 'Acute Trust',
          odsCode: 'R1X',
          baseUrl: store.baseUrl,
          supplies: ['Encounter', 'Condition', 'Observation'],
        },
        ...(options.extraSources ?? []),
      ],
      config: {
        audit: { store: { kind: 'file', directory } },
        events: {
          systems: [
            { ...AMBULANCE, jwksUrl: ambulance.jwksUrl, publishes: ['ambulance-incident'] },
            { ...ED, jwksUrl: ed.jwksUrl, publishes: ['encounter'] },
            { ...OTHER_ED, jwksUrl: otherEd.jwksUrl },
            { ...PRACTICE, jwksUrl: practice.jwksUrl },
          ],
          // The simulated endpoints listen on plain http.
          allowHttpEndpoints: true,
          subscriberEndpoints: { allowPrivateNetworks: true },
          ...((config.events as object | undefined) ?? {}),
        },
        ...Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'events')),
      },
    });
  let broker = await start();
  let journal: Journal | undefined;
  const entries = async (stream: JournalStream): Promise<readonly JournalEntry[]> => {
    // Re-opened each time: a read-only file journal reads what was committed when it opened.
    await journal?.close();
    journal = await openJournal({ kind: 'file', directory }, createLogger({ level: 'silent' }), {
      readOnly: true,
    });
    return journal.query({ stream, limit: 1000 });
  };
  return {
    get broker() {
      return broker;
    },
    restartBroker: async () => {
      await broker.close();
      broker = await start();
    },
    restartBrokerWith: async (meanwhile) => {
      await broker.close();
      await meanwhile();
      broker = await start();
    },
    ambulance,
    ed,
    otherEd,
    practice,
    events: () => entries('event'),
    entries,
    close: async () => {
      await journal?.close();
      await broker.close();
      await Promise.all([ambulance.close(), ed.close(), otherEd.close(), practice.close(), store.close()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * What each broker process of a multi-process events test is configured with: the shared stores
 * (PostgreSQL journal in `schema`, Redis), one acute source supplying encounters, a signing key written
 * into `keyDir` (the processes must sign alike), and the given event systems and delivery settings, on
 * the simulated endpoints' plain http.
 */
export function sharedStoresEventConfig(options: {
  readonly id: string;
  readonly keyDir: string;
  readonly storeUrl: string;
  readonly schema: string;
  readonly redisUrl: string;
  readonly systems: readonly Record<string, unknown>[];
  readonly delivery: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const keyFile = path.join(options.keyDir, 'broker.pem');
  writeFileSync(
    keyFile,
    generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }),
    { mode: 0o600 },
  );
  return {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 500 },
    broker: { id: options.id, name: options.id, odsCode: 'X26', signingKey: { file: keyFile } },
    sources: [
      {
        id: 'acute',
        kind: 'fhir-r4',
        name: 'Acute',
        odsCode: 'R1X',
        baseUrl: options.storeUrl,
        supplies: ['Encounter'],
      },
    ],
    audit: { store: { kind: 'postgres', url: TEST_DATABASE_URL, schema: options.schema } },
    redis: { url: options.redisUrl },
    logging: { level: 'warn' },
    events: {
      systems: options.systems,
      delivery: options.delivery,
      allowHttpEndpoints: true,
      subscriberEndpoints: { allowPrivateNetworks: true },
    },
    ...options.extra,
  };
}
