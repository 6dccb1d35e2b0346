import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { ConfigError, loadConfig, projectRoot } from '../config/load-config';
import { createLogger } from '../broker/observability/logger';
import { startBroker } from '../broker/start-broker';
import { isRecordResourceType } from '../core/fhir/resource-types';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { DEMO_NHS_NUMBERS, SIM_NODE_IDS, type SimNodeId } from './population/types';
import { DemoIdentityProvider, PERSONAS, type PersonaId } from './identity-provider';
import { DEMO_CONFIG_FILE } from './region-config';
import { startRegion } from './start-region';
import { mountViewer } from '../viewer/mount-viewer';
import { clinicalSystemViewerConfig, startClinicalSystem } from './clinical-system';
import { DemoEvents } from './demo-events';
import type { PdsSourceConfig } from '../config/schema';
import { startPdsNode, SUPERSEDED_DEMO_NUMBER } from './pds-node';

/**
 * `npm run demo`: the five simulated regional nodes on the ports config/demo.yaml names, and the
 * broker in front of them, in one process with no Redis. Ctrl-C stops everything.
 */
async function demo(): Promise<void> {
  const dir = path.join(projectRoot(), '.demo');
  mkdirSync(dir, { recursive: true });
  // The demo's identity provider: its JWKS in .demo/, trusted by the broker; a token per persona.
  const idp = await DemoIdentityProvider.create(dir);
  // The simulated clinical system that opens the viewer (SMART EHR launch, or a signed launch).
  const ehr = await startClinicalSystem({ port: Number(process.env.DEMO_EHR_PORT ?? 8099) });
  // The ambulance service and the acute trust's ED, registered for real-time events (issue 19).
  const events = await DemoEvents.prepare();
  const config = loadConfig({
    file: DEMO_CONFIG_FILE(),
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    overrides: {
      auth: { issuers: [idp.issuerConfig()] },
      viewer: clinicalSystemViewerConfig(ehr),
      events: {
        systems: events.systems(),
        allowHttpEndpoints: true,
        subscriberEndpoints: { allowPrivateNetworks: true },
      },
    },
  });
  const ports: Partial<Record<SimNodeId, number>> = {};
  for (const source of config.sources) {
    if ((SIM_NODE_IDS as readonly string[]).includes(source.id))
      ports[source.id as SimNodeId] = Number(new URL(source.baseUrl).port);
  }
  const brokerUrl = `http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${config.server.port}`;
  const region = await startRegion({
    ports,
    latencyMs: Number(process.env.DEMO_LATENCY_MS ?? 20),
    trust: { clientId: 'demo-broker', jwksUrl: () => `${brokerUrl}/.well-known/jwks.json` },
  });
  // The simulated PDS, where config/demo.yaml names one: the region's people, the broker its one client.
  const pdsConfig = config.sources.find((s): s is PdsSourceConfig => s.kind === 'pds');
  const pds = pdsConfig
    ? await startPdsNode({
        people: region.population.people,
        client: { clientId: pdsConfig.auth.apiKey, jwksUrl: () => `${brokerUrl}/.well-known/jwks.json` },
        port: Number(new URL(pdsConfig.baseUrl).port),
        latencyMs: Number(process.env.DEMO_LATENCY_MS ?? 20),
      })
    : undefined;
  const logger = createLogger({ level: config.logging.level });
  // Event systems' tokens need a public base URL: the demo's is the address it listens on.
  const broker = await startBroker(config, logger, {
    delivery: 'relay-and-deliver',
    mount: mountViewer,
    publicBaseUrl: 'listening-address',
  });
  ehr.connectViewer(broker.url);
  const fhir = `${broker.url}/fhir`;
  await events.start(broker.url, previousSubscription(dir));

  const session = {
    brokerUrl: broker.url,
    fhirBaseUrl: fhir,
    nodes: {
      ...Object.fromEntries(SIM_NODE_IDS.map((id) => [id, region.nodes[id].baseUrl])),
      ...(pds ? { pds: pds.baseUrl } : {}),
    },
    demoPatients: DEMO_NHS_NUMBERS,
    // The simulated ED: what it received (verified, repeats dropped), and its subscription.
    events: {
      edNotifications: events.ed!.endpoint,
      subscriptionId: events.subscriptionId,
    },
    // Signed user tokens from the demo identity provider, valid for a working day.
    personas: Object.fromEntries(
      await Promise.all(
        (Object.keys(PERSONAS) as PersonaId[]).map(async (id) => [
          id,
          {
            ...PERSONAS[id],
            token: await idp.token(id, { ttlSeconds: 8 * 3600 }),
            // Opens that patient in the viewer through a real SMART EHR launch, each time it is visited.
            launchUrl: ehr.launchUrl(id, DEMO_NHS_NUMBERS.rich),
            launchUrls: Object.fromEntries(
              Object.values(DEMO_NHS_NUMBERS).map((nhs) => [nhs, ehr.launchUrl(id, nhs)]),
            ),
          },
        ]),
      ),
    ),
  };
  writeFileSync(path.join(dir, 'session.json'), `${JSON.stringify(session, null, 2)}\n`);

  const rich = DEMO_NHS_NUMBERS.rich;
  console.log(`
HIE Broker demo is running.

  Broker (FHIR R4):  ${fhir}
  Regional nodes:    ${SIM_NODE_IDS.map((id) => `${id} ${region.nodes[id].baseUrl}`).join('\n                     ')}
  Session file:      .demo/session.json
  Clinician's viewer (open in a browser; a real SMART EHR launch each time):
                     ${ehr.launchUrl('ed-doctor', DEMO_NHS_NUMBERS.rich)}
  Clinical system:   ${ehr.url}/ (every persona, EHR launch or signed launch)

Try:
  curl -s ${fhir}/metadata
  TOKEN=$(node -p "require('./.demo/session.json').personas['ed-doctor'].token")
  curl -s -H "Authorization: Bearer $TOKEN" '${fhir}/Patient?identifier=${NHS_NUMBER_SYSTEM}|${rich}'
  curl -s -H "Authorization: Bearer $TOKEN" ${fhir}/Patient/${rich}/\\$everything
  curl -s -H "Authorization: Bearer $TOKEN" '${fhir}/Condition?patient=${DEMO_NHS_NUMBERS.gpAndNeighbour}'
  curl -s -H "Authorization: Bearer $TOKEN" ${broker.url}/api/v1/patients/${rich}/record${
    pds
      ? `
  curl -s -H "Authorization: Bearer $TOKEN" '${fhir}/Patient?family=Clarke&birthdate=1957-03-14&address-postalcode=NB4%207QA'
  curl -s -H "Authorization: Bearer $TOKEN" ${fhir}/Patient/${SUPERSEDED_DEMO_NUMBER}   (a superseded number)`
      : ''
  }
  (personas in .demo/session.json: ${Object.keys(PERSONAS).join(', ')})
`);
  await recordDemoObjection(fhir, await idp.token('privacy-officer'));
  await printSummary(fhir, rich, await idp.token('ed-doctor'));
  console.log('Press Ctrl-C to stop.');
  // Shortly after start, the ambulance service conveys the rich patient to the acute trust's ED.
  setTimeout(() => void scriptedHandover(events, broker.url, rich), 1000).unref();

  const stop = async (): Promise<void> => {
    await broker.close();
    await events.close();
    await region.close();
    await ehr.close();
    await pds?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** The subscription the previous run's ED made (turned off now: its endpoint is gone). */
function previousSubscription(dir: string): string | undefined {
  try {
    const session = JSON.parse(readFileSync(path.join(dir, 'session.json'), 'utf8')) as {
      events?: { subscriptionId?: string };
    };
    return session.events?.subscriptionId;
  } catch {
    return undefined;
  }
}

/** The scripted ambulance incident, and the handover notification as the simulated ED received it. */
async function scriptedHandover(events: DemoEvents, brokerUrl: string, nhsNumber: string): Promise<void> {
  try {
    await events.runScriptedIncident(brokerUrl, nhsNumber);
    const handover = await events.handover(10_000);
    if (!handover) {
      console.warn('The simulated ED has not received the handover notification.');
      return;
    }
    const event = handover.events[0]!;
    console.log(
      `Simulated ED (R1X) received a signed notification, signature verified against the broker's JWKS:\n` +
        `  ${event.code} of NHS ${event.nhsNumber} from ${event.source} (event ${event.eventNumber} of its subscription)\n` +
        `  read it through the broker: ${event.focus}\n` +
        `  everything it received: curl -s ${events.ed!.endpoint}\n`,
    );
  } catch (error) {
    console.warn('The scripted ambulance incident failed:', error instanceof Error ? error.message : error);
  }
}

/**
 * The demo's objecting patient (9000000017): their objection to all sharing, recorded in the
 * objection register through the API as the information governance team would, once.
 */
async function recordDemoObjection(fhir: string, token: string): Promise<void> {
  const patient = DEMO_NHS_NUMBERS.objection;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/fhir+json' };
  const existing = (await (await fetch(`${fhir}/Consent?patient=${patient}`, { headers })).json()) as Bundle;
  if (existing.entry?.some((e) => (e.resource as { status?: string }).status === 'active')) return;
  const response = await fetch(`${fhir}/Consent`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
      patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: patient } },
      dateTime: new Date().toISOString(),
      policyRule: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
      },
      provision: { type: 'deny', period: { start: '2020-01-01' } },
    }),
  });
  if (response.status !== 201)
    console.warn(`The demo objection could not be recorded (HTTP ${response.status}).`);
}

async function printSummary(fhir: string, nhsNumber: string, token: string): Promise<void> {
  const response = await fetch(`${fhir}/Patient/${nhsNumber}/$everything`, {
    headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` },
  });
  const bundle = (await response.json()) as Bundle;
  const bySource = new Map<string, Map<string, number>>();
  for (const entry of bundle.entry ?? []) {
    if (entry.search?.mode !== 'match') continue;
    const resource = entry.resource!;
    if (resource.resourceType === 'Patient') continue;
    const source = resource.meta?.tag?.at(-1)?.display ?? 'unknown';
    const types = bySource.get(source) ?? new Map<string, number>();
    types.set(resource.resourceType, (types.get(resource.resourceType) ?? 0) + 1);
    bySource.set(source, types);
  }
  const grouped = (bundle.entry ?? []).filter(
    (e) => e.search?.mode === 'include' && e.resource && isRecordResourceType(e.resource.resourceType),
  ).length;
  console.log(
    `Merged view of ${nhsNumber} (HTTP ${response.status}): ${bundle.total ?? 0} facts, each shown once; ` +
      `${grouped} duplicate${grouped === 1 ? '' : 's'} from other sources grouped under them. Shown, by source:`,
  );
  for (const [source, types] of bySource) {
    console.log(`  ${source}: ${[...types].map(([type, n]) => `${n} ${type}`).join(', ')}`);
  }
  const outcome = bundle.entry?.at(-1)?.resource as OperationOutcome | undefined;
  for (const issue of outcome?.issue ?? []) console.log(`  [${issue.severity}] ${issue.details?.text ?? ''}`);
  console.log('');
}

demo().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.describe());
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `The demo could not start: port ${(error as { port?: number }).port ?? ''} is in use. Stop whatever holds it, or edit config/demo.yaml.`,
    );
  } else console.error('The demo could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
