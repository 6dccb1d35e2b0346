import { gzipSync } from 'node:zlib';
import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { BrokerParts, MountedRoutes } from '../broker/start-broker';
import { auditContextOf } from '../broker/http/audit-context';
import { locals } from '../broker/http/request-context';
import { readForm } from '../broker/http/form-body';
import { assertViewAvailable } from '../broker/http/view-availability';
import { buildRecord } from '../broker/record/build-record';
import { AccessDenied } from '../broker/governance/access-denied';
import { RECORD_RESOURCE_TYPES, type RecordResourceType } from '../core/fhir/resource-types';
import { OutcomeError } from '../core/outcome-error';
import { viewerAssets } from './assets';
import { LaunchRefused } from './launch-error';
import type { LaunchedUser } from './launched-user';
import { filtersOf, recordPage } from './record-page';
import { objectionConsent, readObjectionForm } from './objection-form';
import { SECTION_ACTIONS, SectionPreferencesStore, type SectionAction } from './section-preferences';
import { SECTION_IDS, type SectionId } from '../broker/record/sections';
import { createRenderer } from './render';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from './session-store';
import { SignedLaunch } from './signed-launch';
import { pendingLaunchSchema, SmartLaunch } from './smart-launch';
import {
  LAUNCH_COOKIE,
  randomToken,
  readCookie,
  requesterOf,
  sameToken,
  setCookie,
  ViewerSessions,
} from './viewer-sessions';

/**
 * The clinician's viewer on the broker's server: the SMART EHR launch (`GET /launch`, `GET
 * /viewer/callback`), the signed launch (`POST /launch`), the record page (`GET /viewer/record`) and
 * the stated-relationship form (`POST /viewer/access`), with its assets. Every view goes through the
 * broker's PatientViewService, so role, relationship, objection, sensitive-data and audit rules apply
 * unchanged. Pass it as `startBroker(config, logger, { mount: mountViewer })`.
 */
export function mountViewer(parts: BrokerParts): MountedRoutes {
  const { config, logger } = parts;
  const viewer = config.viewer;
  if (!viewer.enabled) return { routes: Router() };
  const store: SessionStore = parts.redis
    ? new RedisSessionStore(parts.redis, `hie-broker:${config.broker.id}:viewer:`)
    : new MemorySessionStore();
  const sameSite = viewer.embedded ? 'None' : 'Lax';
  const sessions = new ViewerSessions(store, viewer.sessionIdleMinutes * 60_000, sameSite);
  const preferences = new SectionPreferencesStore(store);
  const smart = new SmartLaunch(viewer.smartLaunchers);
  const signed = new SignedLaunch(viewer.signedLaunchers, store);
  const render = createRenderer();
  const assets = viewerAssets();
  const launchTtlMs = viewer.launchTimeoutSeconds * 1000;
  // The organisations a patient may object to sharing from: those holding the configured sources.
  const organisations = [
    ...new Map(parts.sources.map((s) => [s.odsCode, { ods: s.odsCode, name: s.name }])).values(),
  ];
  const frameAncestors = [
    "'self'",
    ...new Set([...viewer.smartLaunchers, ...viewer.signedLaunchers].flatMap((l) => l.frameAncestors)),
  ];
  // External files only: no inline script or style anywhere in the viewer's pages.
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');

  const page = (res: Response, status: number, template: string, context: Record<string, unknown>): void => {
    res.status(status);
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
    });
    // frame-ancestors decides who may frame the viewer; X-Frame-Options would forbid every clinical system.
    res.removeHeader('X-Frame-Options');
    const html = render(template, { assets: assets.prefix, ...context });
    // A record is tens of kilobytes of text: gzipped for phones. (Nothing an attacker chooses is
    // reflected into a page beside its CSRF token, so compression reveals nothing of it.)
    res.vary('Accept-Encoding');
    if (/\bgzip\b/.test(res.req.get('accept-encoding') ?? '')) {
      res.set('Content-Encoding', 'gzip').send(gzipSync(html));
      return;
    }
    res.send(html);
  };
  const message = (res: Response, status: number, heading: string, text: string): void =>
    page(res, status, 'message.njk', {
      pageTitle: heading,
      heading,
      text,
      requestId: locals(res).trace.requestId,
    });

  const startSession = async (req: Request, res: Response, user: LaunchedUser): Promise<void> => {
    await sessions.start(req, res, user);
    logger.info(
      { requestId: locals(res).trace.requestId, launchedBy: user.launchedBy, role: user.requester.role },
      'viewer launched',
    );
    // The record's own URL: no NHS number, no token.
    res.redirect(303, '/viewer/record');
  };

  const router = Router();
  router.use(assets.routes);

  router.get('/launch', async (req, res) => {
    locals(res).route = '/launch';
    const iss = typeof req.query.iss === 'string' ? req.query.iss : undefined;
    const launch = typeof req.query.launch === 'string' ? req.query.launch : undefined;
    if (!iss || !launch || launch.length > 512)
      throw new LaunchRefused(
        'invalid',
        'A launch needs iss and launch from the clinical system (SMART EHR launch). Open the record from your clinical system.',
      );
    const { authorizationUrl, pending } = await smart.begin({
      iss,
      launch,
      defaultRedirectUri: `${req.protocol}://${req.get('host')}/viewer/callback`,
    });
    await store.set(`launch:${pending.state}`, JSON.stringify(pending), launchTtlMs);
    // The state is also bound to this browser: a callback in another browser cannot complete it.
    setCookie(res, LAUNCH_COOKIE, pending.state, {
      secure: req.secure,
      sameSite,
      maxAgeSeconds: viewer.launchTimeoutSeconds,
      path: '/viewer/callback',
    });
    res.set('Cache-Control', 'no-store').redirect(303, authorizationUrl);
  });

  router.get('/viewer/callback', async (req, res) => {
    locals(res).route = '/viewer/callback';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const bound = readCookie(req, LAUNCH_COOKIE) ?? '';
    const raw = state ? await store.get(`launch:${state}`) : undefined;
    if (!raw || !sameToken(bound, state))
      throw new LaunchRefused(
        'unauthenticated',
        'This sign-in has expired or did not start in this browser. Open the record again from your clinical system.',
      );
    await store.delete(`launch:${state}`);
    setCookie(res, LAUNCH_COOKIE, '', {
      secure: req.secure,
      sameSite,
      maxAgeSeconds: 0,
      path: '/viewer/callback',
    });
    const pending = pendingLaunchSchema.parse(JSON.parse(raw));
    const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host')}`);
    await startSession(req, res, await smart.complete(pending, url));
  });

  router.post('/launch', async (req, res) => {
    locals(res).route = '/launch (signed)';
    const form = await readForm(req, config.server.maxBodyBytes);
    await startSession(req, res, await signed.verify(form.get('launch_token')));
  });

  const admitted: RequestHandler = (req, res, next) => {
    locals(res).route = '/viewer/record';
    return parts.admitted(req, res, next);
  };
  // Past the same admission control as the API's views: under more load than the process can serve,
  // the viewer is told "busy, try again" (503, Retry-After) like any other caller.
  router.get('/viewer/record', admitted, async (req, res) => {
    locals(res).route = '/viewer/record';
    const current = await sessions.current(req);
    if (!current)
      return message(
        res,
        401,
        'Your session has ended',
        'For your patients’ privacy the care record closes after a short time unused. Open it again from your clinical system.',
      );
    const { session } = current;
    const requester = requesterOf(session);
    if (session.tokenId) locals(res).tokenId = session.tokenId;
    // The same budgets as the API's views: a session is no way round them.
    const budget = await parts.rateLimits.consume(requester);
    if (!budget.allowed) {
      res.set('Retry-After', String(budget.retryAfterSeconds));
      return message(
        res,
        429,
        'Too many records opened',
        budget.scope === 'user'
          ? 'You have opened more records than allowed in a short time. Wait a minute before trying again.'
          : 'Your organisation has opened more records than allowed in a short time. Wait a minute before trying again.',
      );
    }
    let permitted: RecordResourceType[];
    try {
      permitted = parts.policy.decide(requester, [...RECORD_RESOURCE_TYPES]);
      const view = await parts.service.view({
        nhsNumber: session.nhsNumber,
        resourceTypes: [...RECORD_RESOURCE_TYPES],
        requester,
        trace: locals(res).trace,
        chain: [],
        audit: auditContextOf(req, res, 'operation'),
      });
      assertViewAvailable(view, { notFoundIs404: true });
      const now = new Date();
      const record = buildRecord({ nhsNumber: session.nhsNumber, view, sources: parts.sources, now });
      page(res, 200, 'record.njk', {
        pageTitle: 'Patient record',
        csrf: session.csrf,
        canRecordObjection: parts.policy.holds(requester, 'objection-record'),
        organisations,
        ...recordPage({
          record,
          view,
          requester,
          permitted,
          preferences: await preferences.get(requester.userId),
          filters: filtersOf(
            req.query,
            parts.sources.map((s) => s.id),
          ),
          now,
        }),
      });
    } catch (error) {
      if (error instanceof AccessDenied && error.reason === 'no-relationship')
        return page(res, 403, 'relationship.njk', {
          pageTitle: 'Confirm your involvement',
          why: error.text,
          csrf: session.csrf,
          user: requester,
        });
      throw error;
    }
  });

  type LiveSession = NonNullable<Awaited<ReturnType<ViewerSessions['current']>>>;
  /**
   * A form posted from the record page: its session and fields, once the session is live and the
   * form's CSRF token is the session's; otherwise the page saying which (401, 403) is answered and
   * there is nothing to do.
   */
  const postedForm = async (
    req: Request,
    res: Response,
    expired: string,
  ): Promise<(LiveSession & { form: ReadonlyMap<string, string> }) | undefined> => {
    const current = await sessions.current(req);
    if (!current) {
      message(res, 401, 'Your session has ended', 'Open the record again from your clinical system.');
      return undefined;
    }
    const form = await readForm(req, config.server.maxBodyBytes);
    if (!sameToken(form.get('csrf') ?? '', current.session.csrf)) {
      message(res, 403, 'This form has expired', expired);
      return undefined;
    }
    return { ...current, form };
  };

  // The user's arrangement of the sections: a form per section, so it works without JavaScript.
  router.post('/viewer/preferences', async (req, res) => {
    locals(res).route = '/viewer/preferences';
    const posted = await postedForm(req, res, 'Reload the record and try again.');
    if (!posted) return;
    const { form, session } = posted;
    const section = form.get('section') as SectionId | undefined;
    const action = form.get('action') as SectionAction | undefined;
    if (!section || !SECTION_IDS.includes(section) || !action || !SECTION_ACTIONS.includes(action))
      throw new LaunchRefused('invalid', 'Choose a section and what to do with it.');
    await preferences.apply(session.requester.userId, section, action);
    res.redirect(303, `/viewer/record#${section}`);
  });

  // A clinician records the objection the patient has just told them of: in force at once, alerted.
  router.post('/viewer/objection', async (req, res) => {
    locals(res).route = '/viewer/objection';
    const posted = await postedForm(req, res, 'Reload the record and try again.');
    if (!posted) return;
    const { form, session } = posted;
    const requester = requesterOf(session);
    parts.policy.requireDuty(requester, 'objection-record');
    const now = new Date();
    const objection = readObjectionForm(
      form,
      organisations.map((o) => o.ods),
      now.toISOString().slice(0, 10),
    );
    if ('problem' in objection)
      return message(res, 400, 'The objection was not recorded', `${objection.problem.text}.`);
    if (session.tokenId) locals(res).tokenId = session.tokenId;
    await parts.objections.create(
      objectionConsent({ nhsNumber: session.nhsNumber, objection, recordedBy: requester, now }),
      { ...auditContextOf(req, res, 'create'), requester },
      [
        {
          kind: 'objection-recorded',
          reason: objection.organisations.length
            ? `to sharing from ${objection.organisations.join(', ')}, from ${objection.date}`
            : `to all sharing, from ${objection.date}`,
        },
      ],
    );
    message(
      res,
      200,
      'The objection is recorded',
      objection.organisations.length
        ? 'From now on, nothing from those organisations is shared in this patient’s record. The privacy officer has been told, and will confirm it with the patient.'
        : 'From now on, nothing from this patient’s record is shared. The privacy officer has been told, and will confirm it with the patient.',
    );
  });

  router.post('/viewer/access', async (req, res) => {
    locals(res).route = '/viewer/access';
    const posted = await postedForm(
      req,
      res,
      'Open the record again from your clinical system, and fill in the form there.',
    );
    if (!posted) return;
    const { form, session } = posted;
    const basis = form.get('basis');
    const reason = (form.get('reason') ?? '').trim();
    const problem =
      basis !== 'self-claimed' && basis !== 'emergency'
        ? { field: 'basis-self-claimed', text: 'Choose how you are involved in this patient’s care' }
        : reason.length < 10 || reason.length > 500 || hasControlCharacter(reason)
          ? { field: 'reason', text: 'Give a reason of 10 to 500 characters, on one line' }
          : undefined;
    if (problem)
      return page(res, 400, 'relationship.njk', {
        pageTitle: 'Error: Confirm your involvement',
        why: 'Your reason is needed before the record can be opened.',
        csrf: session.csrf,
        user: session.requester,
        error: problem,
        basis,
        reason,
      });
    // The next view states it, exactly as the API's X-Hie-Relationship headers do: audited and alerted there.
    await sessions.update(posted.id, {
      ...session,
      relationship: { basis: basis as 'self-claimed' | 'emergency', reason },
      csrf: randomToken(),
    });
    res.redirect(303, '/viewer/record');
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!req.path.startsWith('/viewer') && req.path !== '/launch') return next(error);
    if (res.headersSent) return res.destroy();
    if (error instanceof OutcomeError) {
      const text =
        error instanceof LaunchRefused
          ? error.text
          : (error.outcome.issue?.[0]?.details?.text ?? 'The record could not be shown.');
      if (error instanceof LaunchRefused && error.cause)
        // The library's reason only (its error may hold the token response: a token, an NHS number).
        logger.warn(
          {
            requestId: locals(res).trace.requestId,
            route: locals(res).route,
            reason: String((error.cause as Error).message ?? error.cause).slice(0, 200),
            code: (error.cause as { code?: unknown }).code,
          },
          'viewer launch refused',
        );
      res.set(error.headers);
      return message(res, error.status, headingOf(error.status), text);
    }
    logger.error({ err: error, requestId: locals(res).trace.requestId }, 'viewer error');
    message(
      res,
      500,
      'Sorry, there is a problem',
      'The care record could not be shown. Quote the request id to the service desk.',
    );
  };
  router.use(onError);

  return { routes: router, close: () => store.close() };
}

/** A reason must read back as one line at audit: no control characters (as the API's header rule). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function headingOf(status: number): string {
  if (status === 401) return 'You need to open the record from your clinical system';
  if (status === 403) return 'You cannot see this record';
  if (status === 404) return 'No record found';
  if (status === 503) return 'The record is not available just now';
  return 'The record could not be opened';
}
