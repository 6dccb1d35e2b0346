import type { PatientTraceService } from '../view/patient-trace-service';
import type { JWK } from 'jose';
import express, {
  Router,
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
} from 'express';
import type { SourceDescriptor } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import type { Logger } from '../observability/logger';
import type { PageSnapshotStore } from '../paging/page-snapshot-store';
import type { PatientViewService } from '../view/patient-view-service';
import { OutcomeError, operationOutcome, statusOf } from '../../core/outcome-error';
import { fhirRoutes, sendFhir } from './fhir-routes';
import type { ReferenceLocator } from '../view/recent-references';
import type { BrokerMetrics } from '../observability/metrics';
import type { PeerRegistry } from '../trust/peer-registry';
import type { SystemTokens } from '../trust/system-tokens';
import type { ReplayStore } from '../trust/replay-store';
import type { UserTokenVerifier } from '../auth/user-token-verifier';
import { authenticate } from './authenticate';
import { AuditUnavailable, type AuditTrail } from '../audit/audit-trail';
import type { AlertDesk } from '../audit/alert-desk';
import type { DeadLetterDesk } from '../events/dead-letter-desk';
import type { AccessPolicy } from '../governance/access-policy';
import type { ObjectionRegister } from '../governance/objection-register';
import { auditRefusal } from './audit-refusal';
import type { RefusalAggregator } from '../audit/refusal-aggregator';
import { governanceRoutes } from './governance-routes';
import { recordRoutes } from './record-routes';
import { documentRoutes } from './document-routes';
import type { DocumentReader } from '../documents/document-reader';
import { locals, requestContext } from './request-context';
import { tokenRoutes } from './token-route';
import { bodyLimit } from './hardening/body-limit';
import { corsPolicy } from './hardening/cors-policy';
import { rateLimit } from './hardening/rate-limit';
import type { RateLimits } from './hardening/rate-limits';
import { securityHeaders } from './hardening/security-headers';

export interface AppOptions {
  readonly service: PatientViewService;
  /** Every configured source, for the names and ODS codes the viewer's record shows. */
  readonly sources: readonly SourceDescriptor[];
  /** Where `_count`-paged results wait for their `next` links. */
  readonly pages: PageSnapshotStore;
  /** Which patient each id a user was shown belongs to (reads by id); this process's memory when absent. */
  readonly references?: ReferenceLocator;
  readonly logger: Logger;
  readonly brokerName: string;
  readonly version: string;
  /**
   * The public FHIR base URL (server.publicBaseUrl): the audience of every token and assertion this
   * broker accepts. Undefined when not configured: then links are made from each request's Host, but
   * no token endpoint answers and no assertion is accepted.
   */
  readonly publicBaseUrl: () => string | undefined;
  readonly brokerId: string;
  readonly hopLimit: number;
  /** The broker as an authorisation server for its peers. */
  readonly tokens: SystemTokens;
  readonly peers: PeerRegistry;
  /** Single-use values (client and requester assertion jtis), shared by every pod through Redis when configured. */
  readonly replays: ReplayStore;
  /** Verifies user tokens from the trusted identity providers. */
  readonly users: UserTokenVerifier;
  /** The broker's public signing keys, served for sources and peers that verify its assertions. */
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly metrics: BrokerMetrics;
  /** Per-user and per-organisation budgets for patient-data requests. */
  readonly rateLimits: RateLimits;
  /** Tracing a patient by demographics (GET /fhir/Patient?family=…), when a demographics service is configured. */
  readonly tracer?: PatientTraceService;
  /** Request limits and the edge's trust: see `server.*` in config/schema.ts. */
  readonly edge: {
    /** Admission control for patient-data requests (503 past it). */
    readonly maxBodyBytes: number;
    readonly trustProxy: false | number | readonly string[];
    readonly corsOrigins: readonly string[];
  };
  /** The system of record: every patient-data request is committed here before data leaves. */
  readonly trail: AuditTrail;
  /** Refusals before any view, recorded in aggregate per requester and window. */
  readonly refusals: RefusalAggregator;
  /** Documents fetched through the broker (GET /fhir/Binary/{id}). */
  readonly documents: DocumentReader;
  readonly objections: ObjectionRegister;
  readonly alerts: AlertDesk;
  /** Dead-lettered notifications, for administrators (notifications-manage). */
  readonly deadLetters: DeadLetterDesk;
  /** Roles: for the governance duties. */
  readonly policy: AccessPolicy;
  /** Whether a request may read /metrics and /readyz detail (broker/observability/probe-access.ts). */
  readonly probeAccess: (req: Request) => boolean;
  /**
   * Admission control for patient data (./hardening/admission.ts): one gate per process, shared with
   * the routes the composition mounts (the viewer's record), so neither way round the other's limit.
   */
  readonly admitted: express.RequestHandler;
  /** Routes mounted by the composition (the clinician's viewer), before the 404. */
  readonly extraRoutes?: express.RequestHandler;
  /**
   * Real-time events in and FHIR Subscriptions (issue 19), authenticated as registered systems: mounted
   * before the patient-data routes, whose authentication is for people.
   */
  readonly events?: Router;
  /** Health detail for /readyz; `ready: false` while starting or draining. */
  readonly readiness: () => { ready: boolean; detail: Record<string, unknown> };
}

/** The person a request is for, as authentication established; a route without one is a bug, and fails closed. */
const requesterOf = (_req: Request, res: Response): Requester => {
  const { requester } = locals(res);
  if (!requester)
    throw new OutcomeError('unauthenticated', operationOutcome('error', 'login', 'Sign in first.'));
  return requester;
};

export function createApp(options: AppOptions): Express {
  const app = express();
  const configuredBase = options.publicBaseUrl;
  const originOf = (req: Request): string => {
    const base = configuredBase();
    return base ? new URL(base).origin : `${req.protocol}://${req.get('host')}`;
  };
  const baseUrlOf = (req: Request): string => configuredBase() ?? `${originOf(req)}/fhir`;
  app.disable('x-powered-by');
  app.set('etag', false);
  // Off unless configured: a forged X-Forwarded-For must not change req.ip (logged below).
  const { trustProxy } = options.edge;
  app.set('trust proxy', Array.isArray(trustProxy) ? [...trustProxy] : trustProxy);
  app.use(securityHeaders());
  app.use(requestContext);
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const { trace, route, viewSummary } = locals(res);
      options.logger.info(
        {
          requestId: trace.requestId,
          method: req.method,
          route: route ?? 'unmatched',
          status: res.statusCode,
          client: req.ip,
          durationMs: Math.round(performance.now() - started),
          ...(viewSummary ? { view: viewSummary } : {}),
        },
        'request',
      );
    });
    next();
  });

  app.use(corsPolicy({ origins: options.edge.corsOrigins }));
  app.use(bodyLimit({ maxBytes: options.edge.maxBodyBytes }));

  app.get('/livez', (_req, res) => {
    locals(res).route = '/livez';
    res.json({ status: 'ok' });
  });
  app.get('/.well-known/jwks.json', (_req, res) => {
    locals(res).route = '/.well-known/jwks.json';
    res.set('Cache-Control', 'public, max-age=300').json(options.jwks);
  });
  app.get('/metrics', async (req, res) => {
    locals(res).route = '/metrics';
    if (!options.probeAccess(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendFhir(
        res,
        401,
        operationOutcome(
          'error',
          'login',
          'Metrics need the bearer token configured as observability.accessToken.',
        ),
      );
      return;
    }
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  app.get('/readyz', (req, res) => {
    locals(res).route = '/readyz';
    const { ready, detail } = options.readiness();
    // A bare status for probes; the detail (sources, circuits, version) only for those allowed metrics.
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not-ready', ...(options.probeAccess(req) ? detail : {}) });
  });

  app.use(
    tokenRoutes({
      tokens: options.tokens,
      originOf,
      configuredOrigin: () => {
        const base = configuredBase();
        return base ? new URL(base).origin : undefined;
      },
      maxBodyBytes: options.edge.maxBodyBytes,
    }),
  );
  const governance = governanceRoutes({
    trail: options.trail,
    objections: options.objections,
    alerts: options.alerts,
    deadLetters: options.deadLetters,
    policy: options.policy,
    requesterOf,
    baseUrlOf,
    maxBodyBytes: options.edge.maxBodyBytes,
  });
  // Patient data: the person is established first, then their (and their organisation's) budget is spent.
  const signedIn = Router().use(
    authenticate({
      users: options.users,
      tokens: options.tokens,
      peers: options.peers,
      audience: configuredBase,
      replays: options.replays,
    }),
    rateLimit(options.rateLimits, (clientId) => options.peers.get(clientId)?.name ?? clientId),
  );
  // Patient data, past the budgets: admitted while this process has room (the governance views under /admin are not held back).
  const admitted = options.admitted;
  const patientData = Router().use(signedIn, admitted);
  if (options.events) app.use(options.events);
  // Documents first: their answer is the document's own media type, not FHIR JSON.
  app.use(['/fhir/Binary', '/api/v1/patients/:nhs/documents'], patientData);
  app.use(documentRoutes({ reader: options.documents, requesterOf }));
  app.use(
    '/fhir',
    // The CapabilityStatement is public; everything else under /fhir is patient data.
    (req, res, next) => (req.path === '/metadata' ? next() : patientData(req, res, next)),
    governance.fhir,
    fhirRoutes({
      service: options.service,
      brokerName: options.brokerName,
      version: options.version,
      requesterOf,
      baseUrlOf,
      brokerId: options.brokerId,
      hopLimit: options.hopLimit,
      pages: options.pages,
      ...(options.references ? { references: options.references } : {}),
      ...(options.tracer ? { tracer: options.tracer } : {}),
    }),
  );
  app.use('/api', patientData);
  app.use('/admin', signedIn);
  app.use(governance.admin);
  app.use(
    recordRoutes({
      service: options.service,
      sources: options.sources,
      requesterOf,
      refusals: options.refusals,
    }),
  );

  if (options.extraRoutes) app.use(options.extraRoutes);

  app.use((req, res) => {
    sendFhir(
      res,
      404,
      operationOutcome(
        'error',
        'not-found',
        'Not found. The FHIR API is under /fhir; health checks are /livez and /readyz.',
      ),
    );
  });

  const onError: ErrorRequestHandler = async (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An access that could not be recorded is not recorded as refused either: the trail is what failed.
    if (!(error instanceof AuditUnavailable)) await auditRefusal(options.refusals, req, res, error);
    if (res.headersSent) return;
    if (error instanceof OutcomeError) {
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      sendFhir(res, statusOf(error.kind), error.outcome);
      return;
    }
    // express's own errors (a malformed URI, an oversized request) carry a 4xx status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendFhir(res, status, operationOutcome('error', 'invalid', 'The request could not be read.'));
      return;
    }
    options.logger.error({ err: error, requestId: locals(res).trace?.requestId }, 'unhandled request error');
    sendFhir(
      res,
      500,
      operationOutcome(
        'fatal',
        'exception',
        `The broker failed to answer. Quote request id ${locals(res).trace?.requestId ?? 'unknown'} to support.`,
      ),
    );
  };
  app.use(onError);
  return app;
}
