import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdapter } from './federation/create-adapter';
import { projectRoot } from '../config/load-config';
import type { BrokerConfig } from '../config/schema';
import { Federation } from './federation/federation';
import { Redis } from 'ioredis';
import { closeRedis } from './redis/close-redis';
import { createApp } from './http/app';
import { answerClientErrors } from './http/hardening/client-error';
import { RateLimits } from './http/hardening/rate-limits';
import type { Logger } from './observability/logger';
import { BrokerMetrics } from './observability/metrics';
import { createPageSnapshotStore } from './paging/create-page-snapshot-store';
import { UserTokenVerifier } from './auth/user-token-verifier';
import { AccessPolicy } from './governance/access-policy';
import { PeerRegistry } from './trust/peer-registry';
import { readSecret } from '../core/trust/secret';
import { RedisReplayStore } from './trust/replay-store';
import { SystemTokens } from './trust/system-tokens';
import { loadSigningKey } from '../core/trust/signing-key';
import { DocumentReader } from './documents/document-reader';
import { PatientViewService } from './view/patient-view-service';
import { AlertDesk } from './audit/alert-desk';
import { AuditTrail } from './audit/audit-trail';
import { openJournal } from './audit/journal/open-journal';
import { ObjectionRegister } from './governance/objection-register';
import { startDelivery } from './jobs/start-delivery';

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
}

export async function startBroker(
  config: BrokerConfig,
  logger: Logger,
  options: StartBrokerOptions = { delivery: 'relay-and-deliver' },
): Promise<RunningBroker> {
  const version = brokerVersion();
  const signingKey = await loadSigningKey(
    config.broker.signingKey ? readSecret(config.broker.signingKey) : undefined,
  );
  if (!config.broker.signingKey)
    logger.warn('no broker.signingKey configured: using an ephemeral key for this run');
  const timeouts = new Map(
    config.sources.map((s) => [s.id, s.timeoutMs ?? config.federation.sourceTimeoutMs]),
  );
  const metrics = new BrokerMetrics();
  const federation = new Federation({
    adapters: config.sources.map((source) =>
      createAdapter(source, {
        userAgent: `hie-broker/${version}`,
        signingKey,
        brokerId: config.broker.id,
        onFault: (sourceId, error) => logger.error({ err: error, sourceId }, 'adapter fault'),
        onRetry: (sourceId, reason) => metrics.sourceRetries.inc({ source: sourceId, reason }),
      }),
    ),
    sourceTimeoutMs: (sourceId) => timeouts.get(sourceId) ?? config.federation.sourceTimeoutMs,
    hopLimit: config.broker.hopLimit,
    logger,
    metrics,
  });
  // The system of record first: without it no request can be answered (fail closed).
  const journal = await openJournal(config.audit.store, logger);
  let delivery: ReturnType<typeof startDelivery> | undefined;
  try {
    delivery = options.delivery
      ? startDelivery({
          journal,
          audit: config.audit,
          brokerId: config.broker.id,
          redis: config.redis.url,
          logger,
          registry: metrics.registry,
          deliver: options.delivery === 'relay-and-deliver',
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
    ...(delivery ? { onCommitted: () => delivery.nudge() } : {}),
  });
  const objections = new ObjectionRegister(trail);
  const policy = new AccessPolicy(config.auth.roles);
  const service = new PatientViewService({
    policy,
    trail,
    objections,
    emergencyOverridesObjection: config.objections.emergencyOverride,
    sensitiveData: config.sensitiveData,
    metrics,
    logger,
    federation,
    broker: { name: config.broker.name, odsCode: config.broker.odsCode },
    deadlineMs: config.federation.deadlineMs,
    assemblyReserveMs: config.federation.assemblyReserveMs,
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
    ...(redis ? { redis } : {}),
    keyPrefix: `hie-broker:${config.broker.id}:rate:`,
  });

  // Shared through Redis when there is one, so that a `next` link works on any process or pod.
  const pages = createPageSnapshotStore({
    ttlMs: config.federation.pageTtlMs,
    brokerId: config.broker.id,
    logger,
    ...(redis ? { redis } : {}),
    ...(config.broker.signingKey ? { signingKey: signingKey.privateKey } : {}),
  });
  const peers = new PeerRegistry(config.peers);
  let draining = false;
  const documents = new DocumentReader({
    service,
    trail,
    adapters: federation.adapters,
    timeoutMs: config.federation.deadlineMs,
  });
  const app = createApp({
    service,
    documents,
    sources: federation.adapters.map((adapter) => adapter.source),
    pages,
    logger,
    brokerName: config.broker.name,
    version,
    jwks: { keys: [signingKey.publicJwk] },
    metrics,
    brokerId: config.broker.id,
    hopLimit: config.broker.hopLimit,
    tokens: new SystemTokens({
      key: signingKey,
      issuer: `urn:hie-broker:${config.broker.id}`,
      peers,
      ...(redis ? { replays: new RedisReplayStore(redis, `hie-broker:${config.broker.id}:jti:`) } : {}),
    }),
    peers,
    users: new UserTokenVerifier(config.auth.issuers),
    rateLimits,
    edge: {
      admission: config.server.admission,
      maxBodyBytes: config.server.maxBodyBytes,
      trustProxy: config.server.trustProxy,
      corsOrigins: config.server.corsOrigins,
    },
    ...(config.server.publicBaseUrl ? { publicBaseUrl: config.server.publicBaseUrl } : {}),
    trail,
    objections,
    alerts: new AlertDesk(trail),
    policy,
    readiness: () => ({
      ready: !draining,
      // An open circuit leaves the broker ready: partial views still work, and every pod shares the source.
      detail: {
        version,
        sources: federation.health().map(({ sourceId, ...health }, index) => ({
          id: sourceId,
          kind: config.sources[index]!.kind,
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
      server.listen(config.server.port, config.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await delivery?.close();
    await journal.close();
    await closeRedis(redis, logger);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host}:${port}`;
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
      await pages.close();
      await delivery?.close();
      await journal.close();
      await closeRedis(redis, logger);
    })());
  return { url, port, close };
}
