import type { AuditEvent, Bundle, Consent, Resource } from '@medplum/fhirtypes';
import { Router, type Request, type Response } from 'express';
import type { Requester } from '../../core/requester';
import type { GovernanceDuty } from '../../config/schema';
import type { AuditInteraction } from '../audit/audit-event';
import type { AlertDesk } from '../audit/alert-desk';
import { AlertRefused } from '../audit/alert-desk';
import type { AuditTrail } from '../audit/audit-trail';
import type { JournalQuery } from '../audit/journal/journal';
import type { AccessPolicy } from '../governance/access-policy';
import { AccessDenied } from '../governance/access-denied';
import type { ObjectionRegister } from '../governance/objection-register';
import { auditRequestOf } from './audit-context';
import { badRequest, methodNotAllowed, notFound } from './fhir-error';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';
import { nhsNumberFromPatientParam } from './fhir-params';
import { sendFhir } from './fhir-routes';
import { readJsonBody } from './json-body';
import { locals } from './request-context';

export interface GovernanceRoutesOptions {
  readonly trail: AuditTrail;
  readonly objections: ObjectionRegister;
  readonly alerts: AlertDesk;
  readonly policy: AccessPolicy;
  readonly requesterOf: (req: Request, res: Response) => Requester;
  readonly baseUrlOf: (req: Request) => string;
  readonly maxBodyBytes: number;
}

const MAX_COUNT = 1000;
const DEFAULT_COUNT = 100;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The request's query parameters, each name once unless `repeatable` names it; unknown names are refused. */
function queryParams(
  req: Request,
  allowed: readonly string[],
  repeatable: readonly string[] = [],
): Map<string, string[]> {
  const raw = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(raw)) {
    if (!allowed.includes(name)) {
      throw badRequest(
        `Unknown parameter ${name.slice(0, 40)}. Supported: ${allowed.join(', ')}.`,
        name.slice(0, 40),
      );
    }
    const values = params.get(name) ?? [];
    if (values.length > 0 && !repeatable.includes(name)) {
      throw badRequest(`Give ${name} once.`, name);
    }
    params.set(name, [...values, value]);
  }
  return params;
}

/** A day or an instant as the start of the range it names; a day's end is the next midnight (UTC). */
function parseWhen(value: string, name: string, edge: 'start' | 'end'): string {
  const start = Date.parse(`${value}T00:00:00Z`);
  // A real calendar day: Date.parse would roll 2026-02-30 over into March.
  if (DATE.test(value) && !Number.isNaN(start) && new Date(start).toISOString().startsWith(value)) {
    return new Date(edge === 'start' ? start : start + DAY_MS).toISOString();
  }
  if (INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw badRequest(
    `${name} must be a date (2026-11-22) or an instant with a time zone (2026-11-22T09:00:00Z).`,
    name,
  );
}

/**
 * FHIR date search on `recorded`: ge/gt/le/lt/eq prefixes (eq or none: that day or instant), one or
 * two of them; returns [from, to) as instants.
 */
function dateRange(values: readonly string[]): { from?: string; to?: string } {
  if (values.length > 2) throw badRequest('Give date at most twice (a lower and an upper bound).', 'date');
  let from: string | undefined;
  let to: string | undefined;
  for (const value of values) {
    const match = /^(ge|gt|le|lt|eq)?(.+)$/.exec(value)!;
    const prefix = match[1] ?? 'eq';
    const when = match[2]!;
    if (prefix === 'ge' || prefix === 'gt' || prefix === 'eq') {
      from = parseWhen(when, 'date', prefix === 'gt' && DATE.test(when) ? 'end' : 'start');
    }
    if (prefix === 'le' || prefix === 'lt' || prefix === 'eq') {
      to = parseWhen(when, 'date', prefix === 'lt' ? 'start' : 'end');
    }
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function parseCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_COUNT;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) {
    throw badRequest(`_count must be a whole number from 1 to ${MAX_COUNT}.`, '_count');
  }
  return Number(value);
}

const one = (params: Map<string, string[]>, name: string): string | undefined => params.get(name)?.[0];

function searchset(resources: readonly Resource[], base: string, self: string, next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' as const },
    })),
  };
}

/**
 * Governance: the audit trail (`GET /fhir/AuditEvent`, privacy officers), the objection register
 * (`/fhir/Consent`, information governance), privacy-officer alerts and the usage report (`/admin`).
 * Each needs its duty; each use is itself audited, and a refusal too.
 */
export function governanceRoutes(options: GovernanceRoutesOptions): { fhir: Router; admin: Router } {
  const { trail, policy } = options;

  /** Checks the duty, runs the handler; a refusal is audited (the trail holds patient data). */
  const guarded =
    (
      route: string,
      duty: GovernanceDuty,
      interaction: AuditInteraction,
      action: string,
      handler: (req: Request, res: Response) => Promise<void>,
    ) =>
    async (req: Request, res: Response): Promise<void> => {
      locals(res).route = route;
      res.set('Cache-Control', 'no-store');
      const requester = options.requesterOf(req, res);
      try {
        policy.requireDuty(requester, duty);
      } catch (error) {
        if (error instanceof AccessDenied) {
          await trail.commit({
            request: auditRequestOf(req, res, interaction),
            action,
            outcome: '4',
            outcomeDesc: error.text,
          });
        }
        throw error;
      }
      await handler(req, res);
    };

  const fhir = Router();

  fhir.get(
    '/AuditEvent',
    guarded('/fhir/AuditEvent', 'audit-read', 'search-type', 'audit-search', async (req, res) => {
      const params = queryParams(
        req,
        ['patient', 'agent', 'organization', 'date', '_count', '_cursor'],
        ['date'],
      );
      const patientParam = one(params, 'patient');
      const patient = patientParam === undefined ? undefined : nhsNumberFromPatientParam(patientParam);
      const agent = one(params, 'agent');
      const organisation = one(params, 'organization');
      const count = parseCount(one(params, '_count'));
      const cursor = one(params, '_cursor');
      if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) {
        throw badRequest('_cursor must be taken from a next link.', '_cursor');
      }
      const query: JournalQuery = {
        stream: 'audit',
        order: 'newest-first',
        limit: count + 1,
        ...(patient ? { patient } : {}),
        ...(agent ? { user: agent.replace(/^.*\|/, '') } : {}),
        ...(organisation ? { organisation: organisation.replace(/^.*\|/, '') } : {}),
        ...dateRange(params.get('date') ?? []),
        ...(cursor ? { beforeSeq: Number(cursor) } : {}),
      };
      // The search is audited first: what a privacy officer looked at is itself on the record.
      await trail.commit({
        request: auditRequestOf(req, res, 'search-type'),
        action: 'audit-search',
        outcome: '0',
        ...(patient ? { patient } : {}),
      });
      const found = await trail.journal.query(query);
      const page = found.slice(0, count);
      const base = options.baseUrlOf(req);
      const self = `${base}/AuditEvent${req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : ''}`;
      let next: string | undefined;
      if (found.length > count) {
        const url = new URL(self);
        url.searchParams.set('_cursor', String(page[page.length - 1]!.seq));
        next = url.toString();
      }
      sendFhir(
        res,
        200,
        searchset(
          page.map((entry) => entry.body as AuditEvent),
          base,
          self,
          next,
        ),
      );
    }),
  );

  fhir.get(
    '/AuditEvent/:id',
    guarded('/fhir/AuditEvent/:id', 'audit-read', 'read', 'audit-read', async (req, res) => {
      const id = String(req.params.id);
      const entry = UUID.test(id) ? await trail.journal.get(id) : undefined;
      if (!entry || entry.stream !== 'audit') throw notFound('There is no AuditEvent with this id.');
      await trail.commit({
        request: auditRequestOf(req, res, 'read'),
        action: 'audit-read',
        outcome: '0',
        ...(entry.keys.patient ? { patient: entry.keys.patient } : {}),
        about: { reference: `AuditEvent/${id}` },
      });
      sendFhir(res, 200, entry.body);
    }),
  );

  const consentAnswer = (res: Response, status: number, consent: Consent, base: string): void => {
    res.setHeader('Location', `${base}/Consent/${consent.id}/_history/${consent.meta!.versionId}`);
    res.setHeader('ETag', `W/"${consent.meta!.versionId}"`);
    sendFhir(res, status, consent);
  };

  const readConsentBody = async (req: Request): Promise<unknown> => {
    const body = await readJsonBody(req, options.maxBodyBytes);
    return body;
  };

  fhir.post(
    '/Consent',
    guarded('/fhir/Consent', 'consent-manage', 'create', 'consent-create', async (req, res) => {
      const consent = await options.objections.create(
        await readConsentBody(req),
        auditRequestOf(req, res, 'create'),
      );
      consentAnswer(res, 201, consent, options.baseUrlOf(req));
    }),
  );

  fhir.put(
    '/Consent/:id',
    guarded('/fhir/Consent/:id', 'consent-manage', 'update', 'consent-update', async (req, res) => {
      const id = String(req.params.id);
      if (!UUID.test(id))
        throw notFound('There is no Consent with this id: create one with POST /fhir/Consent.');
      const consent = await options.objections.update(
        id,
        await readConsentBody(req),
        auditRequestOf(req, res, 'update'),
      );
      if (!consent) throw notFound('There is no Consent with this id: create one with POST /fhir/Consent.');
      consentAnswer(res, 200, consent, options.baseUrlOf(req));
    }),
  );

  fhir.get(
    '/Consent/:id',
    guarded('/fhir/Consent/:id', 'consent-manage', 'read', 'consent-read', async (req, res) => {
      const id = String(req.params.id);
      const consent = UUID.test(id) ? await options.objections.read(id) : undefined;
      if (!consent) throw notFound('There is no Consent with this id.');
      await trail.commit({
        request: auditRequestOf(req, res, 'read'),
        action: 'consent-read',
        outcome: '0',
        patient: consent.patient!.identifier!.value!,
        about: { reference: `Consent/${id}` },
      });
      consentAnswer(res, 200, consent, options.baseUrlOf(req));
    }),
  );

  fhir.get(
    '/Consent',
    guarded('/fhir/Consent', 'consent-manage', 'search-type', 'consent-search', async (req, res) => {
      const params = queryParams(req, ['patient']);
      const value = one(params, 'patient');
      if (value === undefined) throw badRequest('Search Consent by patient={NHS number}.', 'patient');
      const patient = nhsNumberFromPatientParam(value);
      await trail.commit({
        request: auditRequestOf(req, res, 'search-type'),
        action: 'consent-search',
        outcome: '0',
        patient,
      });
      const consents = await options.objections.current(patient);
      const base = options.baseUrlOf(req);
      sendFhir(res, 200, searchset(consents, base, `${base}/Consent?patient=${patient}`));
    }),
  );

  fhir.all(['/AuditEvent', '/AuditEvent/:id'], () => {
    throw methodNotAllowed('GET');
  });
  fhir.all('/Consent/:id', () => {
    throw new OutcomeError(
      'method-not-allowed',
      operationOutcome(
        'error',
        'not-supported',
        'Consents are never deleted: withdraw an objection with PUT, setting status to inactive.',
      ),
      { headers: { Allow: 'GET, PUT' } },
    );
  });
  fhir.all('/Consent', () => {
    throw methodNotAllowed('GET, POST');
  });

  const admin = Router();

  admin.get(
    '/admin/usage',
    guarded('/admin/usage', 'usage-read', 'operation', 'usage-report', async (req, res) => {
      const params = queryParams(req, ['from', 'to']);
      const fromParam = one(params, 'from');
      const toParam = one(params, 'to');
      const to = toParam ? parseWhen(toParam, 'to', 'end') : new Date().toISOString();
      const from = fromParam
        ? parseWhen(fromParam, 'from', 'start')
        : new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
      if (Date.parse(from) >= Date.parse(to)) throw badRequest('from must be before to.', 'from');
      await trail.commit({
        request: auditRequestOf(req, res, 'operation'),
        action: 'usage-report',
        outcome: '0',
      });
      res.type('application/json').send(JSON.stringify(await trail.journal.usage(from, to)));
    }),
  );

  admin.get(
    '/admin/alerts',
    guarded('/admin/alerts', 'alerts', 'search-type', 'alert-list', async (req, res) => {
      const params = queryParams(req, ['status', 'from', 'to', '_count']);
      const status = one(params, 'status') ?? 'open';
      if (status !== 'open' && status !== 'acknowledged' && status !== 'all') {
        throw badRequest('status must be open, acknowledged or all.', 'status');
      }
      const fromParam = one(params, 'from');
      const toParam = one(params, 'to');
      await trail.commit({
        request: auditRequestOf(req, res, 'search-type'),
        action: 'alert-list',
        outcome: '0',
      });
      const alerts = await options.alerts.list({
        status,
        limit: parseCount(one(params, '_count')),
        ...(fromParam ? { from: parseWhen(fromParam, 'from', 'start') } : {}),
        ...(toParam ? { to: parseWhen(toParam, 'to', 'end') } : {}),
      });
      res.type('application/json').send(JSON.stringify({ status, alerts }));
    }),
  );

  admin.post(
    '/admin/alerts/:id/acknowledge',
    guarded('/admin/alerts/:id/acknowledge', 'alerts', 'update', 'alert-acknowledge', async (req, res) => {
      const body = await readJsonBody(req, options.maxBodyBytes);
      const note = typeof body === 'object' && body !== null ? (body as { note?: unknown }).note : undefined;
      const id = String(req.params.id);
      if (!UUID.test(id)) throw new AlertRefused('not-found', 'There is no alert with this id.');
      const alert = await options.alerts.acknowledge(id, note, auditRequestOf(req, res, 'update'));
      res.type('application/json').send(JSON.stringify(alert));
    }),
  );

  return { fhir, admin };
}

/** A Consent the register refused, as a 400 with one issue per problem. */
