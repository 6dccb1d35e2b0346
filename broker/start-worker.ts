import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerConfig } from '../config/schema';
import { openJournal } from './audit/journal/open-journal';
import { operationOutcome } from '../core/outcome-error';
import { checkRole } from './jobs/process-role';
import { startDelivery, type RunningDelivery } from './jobs/start-delivery';
import type { Logger } from './observability/logger';
import { brokerVersion } from './start-broker';
import { probeAccess } from './observability/probe-access';
import { AuditTrail } from './audit/audit-trail';
import { ObjectionRegister } from './governance/objection-register';
import { startNotifications, type RunningNotifications } from './events/start-notifications';
import { loadSigningKey } from '../core/trust/signing-key';
import { readSecret } from '../core/trust/secret';

export interface RunningWorker {
  /** The probe server, e.g. http://127.0.0.1:8080 (/livez, /readyz, /metrics only). */
  readonly url: string;
  readonly port: number;
  /** Stops relaying, lets deliveries under way finish, then closes the journal and the probe server. */
  close(): Promise<void>;
}

/**
 * The composition root of the worker role: the journal, the outbox relay and the BullMQ delivery
 * workers, and a server for Kubernetes' probes and Prometheus. No patient-data route is served here.
 */
export async function startWorker(config: BrokerConfig, logger: Logger): Promise<RunningWorker> {
  checkRole('worker', { redisUrl: config.redis.url, store: config.audit.store.kind });
  const version = brokerVersion();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hie_' });
  const journal = await openJournal(config.audit.store, logger);
  let delivery: RunningDelivery;
  try {
    delivery = startDelivery({
      journal,
      audit: config.audit,
      brokerId: config.broker.id,
      redis: config.redis.url,
      logger,
      registry,
      deliver: true,
      userAgent: `hie-broker/${version}`,
    });
  } catch (error) {
    await journal.close();
    throw error;
  }
  // Real-time notifications (issue 19): delivered here, from the queues the api role fills.
  let notifications: RunningNotifications | undefined;
  if (config.events.systems.length > 0) {
    try {
      // Notifications are signed with the key the api role's JWKS serves: an ephemeral one would differ.
      if (!config.broker.signingKey)
        throw new Error('A worker delivering notifications needs broker.signingKey');
      notifications = startNotifications({
        journal,
        objections: new ObjectionRegister(
          new AuditTrail({
            journal,
            broker: { id: config.broker.id, name: config.broker.name, odsCode: config.broker.odsCode },
            logger,
          }),
        ),
        key: await loadSigningKey(readSecret(config.broker.signingKey)),
        config: config.events,
        redis: config.redis.url,
        brokerId: config.broker.id,
        brokerOds: config.broker.odsCode,
        logger,
        registry,
        deliver: true,
        baseUrl: () => config.server.publicBaseUrl ?? '',
        userAgent: `hie-broker/${version}`,
      });
    } catch (error) {
      await delivery.close();
      await journal.close();
      throw error;
    }
  }

  let draining = false;
  const allowed = probeAccess(
    config.observability.accessToken ? readSecret(config.observability.accessToken) : undefined,
  );
  const probes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    };
    const refuse = (status: number, code: 'not-supported' | 'not-found' | 'login', text: string): void =>
      send(status, 'application/fhir+json', JSON.stringify(operationOutcome('error', code, text)));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(405, 'not-supported', 'Only GET and HEAD are served here.');
    }
    if (path === '/livez') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (path === '/readyz') {
      const ready = !draining && delivery.ready();
      const body = {
        status: ready ? 'ready' : 'not-ready',
        ...(allowed(req) ? { role: 'worker', version, redis: delivery.ready() } : {}),
      };
      return send(ready ? 200 : 503, 'application/json', JSON.stringify(body));
    }
    if (path === '/metrics') {
      if (!allowed(req)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return refuse(401, 'login', 'Metrics need the bearer token configured as observability.accessToken.');
      }
      return send(200, registry.contentType, await registry.metrics());
    }
    refuse(
      404,
      'not-found',
      'This is a delivery worker: it serves /livez, /readyz and /metrics only. The FHIR API is served by the api role.',
    );
  };
  const server = createServer(
    {
      headersTimeout: config.server.headersTimeoutMs,
      requestTimeout: config.server.requestTimeoutMs,
      keepAliveTimeout: config.server.keepAliveTimeoutMs,
    },
    (req, res) => {
      probes(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'probe failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
  );
  const closeDeliveryAndJournal = async (): Promise<void> => {
    await notifications?.close();
    await delivery.close();
    await journal.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeDeliveryAndJournal();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  logger.info({ port, role: 'worker', version }, 'delivery worker started');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        draining = true;
        await closeDeliveryAndJournal();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}
