import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../config/load-config';
import type { BrokerConfig } from '../config/schema';
import { PatientTraceService } from './view/patient-trace-service';
import { startSources } from './federation/start-sources';
import { Redis } from 'ioredis';
import type { RequestHandler } from 'express';
import type { SourceDescriptor } from '../core/source-contract';
import { closeRedis } from './redis/close-redis';
import { createApp } from './http/app';
import { admission } from './http/hardening/admission';
import { answerClientErrors } from './http/hardening/client-error';
import { RateLimits } from './http/hardening/rate-limits';
import type { Logger } from './observability/logger';
import { BrokerMetrics } from './observability/metrics';
import { createPageSnapshotStore } from './paging/create-page-snapshot-store';
import { UserTokenVerifier } from './auth/user-token-verifier';
import { AccessPolicy } from './governance/access-policy';
import { PeerRegistry } from './trust/peer-registry';
import { readSecret } from '../core/trust/secret';
import { MemoryReplayStore, RedisReplayStore } from './trust/replay-store';
import { ConfigError } from '../config/load-config';
import { SystemTokens } from './trust/system-tokens';
import { loadBrokerKeys } from './trust/broker-keys';
import { DocumentReader } from './documents/document-reader';
import { PatientViewService } from './view/patient-view-service';
import { RefusalAggregator } from './audit/refusal-aggregator';
import { OrganisationDirectory } from './governance/organisation-directory';
import { probeAccess } from './observability/probe-access';
import { AlertDesk } from './audit/alert-desk';
import { DeadLetterDesk } from './events/dead-letter-desk';
import { AuditTrail } from './audit/audit-trail';
import { EntryTraces } from './observability/entry-traces';
import { openJournal } from './audit/journal/open-journal';
import { ObjectionRegister } from './governance/objection-register';
import { startDelivery } from './jobs/start-delivery';
import { createReferenceLocator } from './view/create-reference-locator';
import { EventSystemRegistry } from './trust/event-system-registry';
import { eventRoutes } from './http/events/event-routes';
import { subscriptionRoutes } from './http/events/subscription-routes';
import { topicRoutes } from './http/events/topic-routes';
import { startNotifications, type RunningNotifications } from './events/start-notifications';
import { restrictedByPds } from './events/restricted-by-pds';
import { SensitiveDataPolicy } from './merge/sensitive-data/sensitive-data-policy';
import { Router } from 'express';

export interface RunningBroker {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets in-flight views finish (up to the grace period), then releases everything. */
  close(): Promise<void>;
}

export function brokerVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** How long start-up waits for Redis before serving with per-process rate limits. */
const REDIS_READY_WAIT_MS = 2000;

function redisReady(redis: Redis, waitMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The composition root of the API role: constructs the adapters, the federation and the HTTP server. */
export interface StartBrokerOptions {
  /**
   * What this process does with committed audit events and alerts: relay and deliver them (the
   * `all` role; in-process without Redis), only relay them to the queues for worker processes (the
   * `api` role), or nothing (a test that inspects the journal alone).
   */
  readonly delivery?: 'relay-and-deliver' | 'relay' | false;
  /**
   * A server already listening whose socket the broker takes over instead of `server.port`: for a
   * caller that must know the URL before the broker starts (brokers that are each other's peers in a
   * test) without freeing a port and racing to reuse it.
   */
  readonly listenOn?: NetServer;
  /**
   * For a composition whose port the system chooses (port 0: tests, simulations), no
   * `server.publicBaseUrl` can be configured in advance: `listening-address` makes the public base URL
   * the address the broker listens on, fixed once it listens. Never derived from a request.
   */
  readonly publicBaseUrl?: 'listening-address';
  /**
   * More routes on the broker's server, built from its parts (the clinician's viewer: see
   * viewer/mount-viewer.ts). The broker knows nothing of them; they are mounted before the 404.
   */
  readonly mount?: (parts: BrokerParts) => MountedRoutes | Promise<MountedRoutes>;
}

/** What a mounted set of routes may use: the same view service, audit trail and registers as the API. */
export interface BrokerParts {
  readonly config: BrokerConfig;
  readonly service: PatientViewService;
  readonly sources: readonly SourceDescriptor[];
  readonly trail: AuditTrail;
  readonly objections: ObjectionRegister;
  /** What each role may see: the same policy the view service applies. */
  readonly policy: AccessPolicy;
  /** The per-user and per-organisation view budgets the API spends (shared through Redis when set). */
  readonly rateLimits: RateLimits;
  /** The process's admission control for patient data, which the API's views pass through too. */
  readonly admitted: RequestHandler;
  readonly logger: Logger;
  readonly version: string;
  /** The broker's Redis connection, when `redis.url` is set. */
  readonly redis?: Redis;
}

export interface MountedRoutes {
  readonly routes: RequestHandler;
  close?(): Promise<void>;
}

export async function startBroker(
  config: BrokerConfig,
  logger: Logger,
  options: StartBrokerOptions = {},
): Promise<RunningBroker> {
  const deliveryRole = options.delivery ?? 'relay-and-deliver';
  const version = brokerVersion();
  // Tokens and assertions from peers are checked against the configured audience, never a Host header.
  if (
    (config.peers.length > 0 || config.events.systems.length > 0) &&
    !config.server.publicBaseUrl &&
    options.publicBaseUrl !== 'listening-address'
  ) {
    throw new ConfigError([
      {
        path: 'server.publicBaseUrl',
        message:
          'must be set when peers or event systems are configured: it is the audience of the tokens and assertions they send (e.g. https://hie.example.nhs.uk/fhir)',
      },
    ]);
  }
  const { signingKey, federationKey, jwks } = await loadBrokerKeys(config, logger);
  // Read before anything is opened: a missing secret stops the start with nothing left behind.
  const allowedProbes = probeAccess(
    config.observability.accessToken ? readSecret(config.observability.accessToken) : undefined,
  );
  const metrics = new BrokerMetrics();
  // The record sources, fanned out to together, and the demographics service asked beside them.
  const { recordSources, federation, pds } = startSources(config, {
    version,
    signingKey,
    federationKey,
    logger,
    metrics,
  });
  // The system of record first: without it no request can be answered (fail closed).
  const journal = await openJournal(config.audit.store, logger);
  let delivery: ReturnType<typeof startDelivery> | undefined;
  // Each entry's trace, from its commit to its delivery jobs (the worker's spans join the view's trace).
  const traces = new EntryTraces();
  try {
    delivery = deliveryRole
      ? startDelivery({
          journal,
          traces,
          audit: config.audit,
          brokerId: config.broker.id,
          redis: config.redis.url,
          logger,
          registry: metrics.registry,
          deliver: deliveryRole === 'relay-and-deliver',
          userAgent: `hie-broker/${version}`,
        })
      : undefined;
  } catch (error) {
    // e.g. a sink's token that cannot be read: nothing is left open behind the refusal.
    await journal.close();
    throw error;
  }
  const trail = new AuditTrail({
    journal,
    broker: { id: config.broker.id, name: config.broker.name, odsCode: config.broker.odsCode },
    logger,
    metrics,
    traces,
    ...(delivery ? { onCommitted: () => delivery.nudge() } : {}),
  });
  const objections = new ObjectionRegister(trail);
  const refusals = new RefusalAggregator({ trail, windowMs: config.audit.refusalWindowSeconds * 1000 });
  const policy = new AccessPolicy(config.auth.roles);
  const service = new PatientViewService({
    policy,
    trail,
    objections,
    emergencyOverridesObjection: config.objections.emergencyOverride,
    organisations: new OrganisationDirectory(config.organisations),
    vouchedFor: config.relationships.vouchedFor,
    sensitiveData: config.sensitiveData,
    metrics,
    logger,
    federation,
    broker: { name: config.broker.name, odsCode: config.broker.odsCode },
    deadlineMs: config.federation.deadlineMs,
    assemblyReserveMs: config.federation.assemblyReserveMs,
    ...(pds ? { authority: pds.authority } : {}),
  });

  const redis = config.redis.url
    ? new Redis(config.redis.url, {
        connectionName: `hie-broker-${config.broker.id}`,
        maxRetriesPerRequest: 1,
      })
    : undefined;
  // ioredis reconnects by itself; an unheard error event would only be printed to stderr.
  redis?.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  if (redis && !(await redisReady(redis, REDIS_READY_WAIT_MS)))
    logger.warn('redis is not reachable yet: rate limits count per process until it is');
  const rateLimits = new RateLimits({
    perUser: config.rateLimit.perUser,
    perOrganisation: config.rateLimit.perOrganisation,
    perPeer: config.rateLimit.perPeer,
    ...(redis ? { redis } : {}),
    keyPrefix: `hie-broker:${config.broker.id}:rate:`,
  });

  // Shared through Redis when there is one, so that a `next` link works on any process or pod.
  const pages = createPageSnapshotStore({
    ttlMs: config.federation.pageTtlMs,
    maxBytes: config.federation.pageMaxBytes,
    maxBytesPerUser: config.federation.pageMaxBytesPerUser,
    onMemoryBytes: (bytes) => metrics.pageSnapshotBytes.set(bytes),
    brokerId: config.broker.id,
    logger,
    ...(redis ? { redis } : {}),
    ...(config.broker.signingKey ? { signingKey: signingKey.privateKey } : {}),
  });
  // Shared like the page snapshots, so that a read by id works on any process or pod.
  const references = createReferenceLocator({
    brokerId: config.broker.id,
    logger,
    ...(redis ? { redis } : {}),
    ...(config.broker.signingKey ? { signingKey: signingKey.privateKey } : {}),
  });
  const tracer = pds
    ? new PatientTraceService({
        authority: pds.authority,
        policy,
        trail,
        logger,
        timeoutMs: pds.source.timeoutMs,
        limits: new RateLimits({
          perUser: pds.source.trace.perUser,
          perOrganisation: pds.source.trace.perOrganisation,
          // Traces are refused to peers' users; the rule is never reached.
          perPeer: pds.source.trace.perOrganisation,
          ...(redis ? { redis } : {}),
          keyPrefix: `hie-broker:${config.broker.id}:trace-rate:`,
        }),
      })
    : undefined;
  const peers = new PeerRegistry(config.peers);
  // Client and requester assertions alike are accepted once; through Redis, once across every pod.
  const replays = redis
    ? new RedisReplayStore(redis, `hie-broker:${config.broker.id}:jti:`)
    : new MemoryReplayStore();
  // Admission control for patient data: one gate for the process, in front of the API's and the viewer's views.
  const admitted = admission(config.server.admission, {
    rejected: () => metrics.admissionRejected.inc(),
    occupancy: (working, waiting) => {
      metrics.admissionOccupancy.set({ state: 'working' }, working);
      metrics.admissionOccupancy.set({ state: 'waiting' }, waiting);
    },
  });
  let mounted: MountedRoutes | undefined;
  try {
    mounted = await options.mount?.({
      admitted,
      config,
      service,
      sources: federation.adapters.map((adapter) => adapter.source),
      trail,
      objections,
      policy,
      rateLimits,
      logger,
      version,
      ...(redis ? { redis } : {}),
    });
  } catch (error) {
    await delivery?.close();
    await journal.close();
    await closeRedis(redis, logger);
    throw error;
  }
  const eventSystems = new EventSystemRegistry(config.events.systems);
  const tokens = new SystemTokens({
    key: signingKey,
    issuer: `urn:hie-broker:${config.broker.id}`,
    peers,
    systems: eventSystems,
    replays,
  });
  // Real-time notifications (issue 19): only with registered event systems, in the processes that relay.
  const notifications: RunningNotifications | undefined =
    config.events.systems.length > 0 && deliveryRole
      ? startNotifications({
          journal,
          objections,
          key: signingKey,
          config: config.events,
          redis: config.redis.url,
          brokerId: config.broker.id,
          brokerOds: config.broker.odsCode,
          logger,
          registry: metrics.registry,
          deliver: deliveryRole === 'relay-and-deliver',
          baseUrl: () => publicBaseUrl ?? '',
          userAgent: `hie-broker/${version}`,
        })
      : undefined;
  let draining = false;
  const documents = new DocumentReader({
    service,
    trail,
    adapters: federation.adapters,
    timeoutMs: config.federation.deadlineMs,
  });
  // Fixed by configuration, or (listening-address) once the server listens: never from a request.
  let publicBaseUrl = config.server.publicBaseUrl;
  const app = createApp({
    service,
    documents,
    sources: federation.adapters.map((adapter) => adapter.source),
    pages,
    references,
    logger,
    brokerName: config.broker.name,
    version,
    jwks,
    metrics,
    brokerId: config.broker.id,
    hopLimit: config.broker.hopLimit,
    tokens,
    peers,
    replays,
    users: new UserTokenVerifier(config.auth.issuers),
    rateLimits,
    ...(tracer ? { tracer } : {}),
    admitted,
    edge: {
      maxBodyBytes: config.server.maxBodyBytes,
      trustProxy: config.server.trustProxy,
      corsOrigins: config.server.corsOrigins,
    },
    publicBaseUrl: () => publicBaseUrl,
    trail,
    refusals,
    objections,
    alerts: new AlertDesk(trail),
    deadLetters: new DeadLetterDesk({ trail, onRedelivery: () => notifications?.nudge() }),
    policy,
    probeAccess: allowedProbes,
    ...(mounted ? { extraRoutes: mounted.routes } : {}),
    events: Router().use(
      eventRoutes({
        tokens,
        systems: eventSystems,
        journal,
        maxBodyBytes: config.server.maxBodyBytes,
        onRecorded: () => notifications?.nudge(),
        sensitiveData: new SensitiveDataPolicy(config.sensitiveData),
        ...(pds ? { restrictedByPds: restrictedByPds(pds.authority) } : {}),
      }),
      subscriptionRoutes({
        tokens,
        systems: eventSystems,
        notifications: () => notifications,
        baseUrlOf: (req) => publicBaseUrl ?? `${req.protocol}://${req.get('host')}/fhir`,
        maxBodyBytes: config.server.maxBodyBytes,
      }),
      topicRoutes({ baseUrlOf: (req) => publicBaseUrl ?? `${req.protocol}://${req.get('host')}/fhir` }),
    ),
    readiness: () => ({
      ready: !draining,
      // An open circuit leaves the broker ready: partial views still work, and every pod shares the source.
      detail: {
        version,
        sources: federation.health().map(({ sourceId, ...health }, index) => ({
          id: sourceId,
          kind: recordSources[index]!.kind,
          ...health,
        })),
      },
    }),
  });

  const server = createServer(
    {
      maxHeaderSize: config.server.maxHeaderBytes,
      headersTimeout: config.server.headersTimeoutMs,
      requestTimeout: config.server.requestTimeoutMs,
      keepAliveTimeout: config.server.keepAliveTimeoutMs,
      // How often those timeouts are checked (Node's default, 30 s, would let a slow client linger far past them).
      connectionsCheckingInterval: Math.min(1000, config.server.headersTimeoutMs),
    },
    app,
  );
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs;
  answerClientErrors(server, logger);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const listening = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (options.listenOn) server.listen(options.listenOn, listening);
      else server.listen(config.server.port, config.server.host, listening);
    });
  } catch (error) {
    await refusals.stop();
    await mounted?.close?.();
    await notifications?.close();
    await delivery?.close();
    await journal.close();
    await closeRedis(redis, logger);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host}:${port}`;
  if (options.publicBaseUrl === 'listening-address' && !publicBaseUrl) publicBaseUrl = `${url}/fhir`;
  logger.info({ port, sources: config.sources.length, version }, 'broker listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) =>
        setTimeout(resolve, config.server.shutdownGraceMs).unref(),
      );
      await Promise.race([closed, grace]);
      server.closeAllConnections();
      await federation.close();
      await mounted?.close?.();
      await pds?.client.close();
      await pages.close();
      // The last windows' counts, before the journal closes.
      await refusals.stop();
      await notifications?.close();
      await delivery?.close();
      await journal.close();
      await closeRedis(redis, logger);
    })());
  return { url, port, close };
}
