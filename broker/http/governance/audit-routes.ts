import type { AuditEvent } from '@medplum/fhirtypes';
import { Router } from 'express';
import type { JournalQuery } from '../../audit/journal/journal';
import { auditRequestOf } from '../audit-context';
import { badRequest, methodNotAllowed, notFound } from '../fhir-error';
import { nhsNumberFromPatientParam, readQueryParams } from '../fhir-params';
import { sendFhir } from '../fhir-routes';
import { dateRange, one, parseCount } from './governance-params';
import { guardedBy, searchset, UUID, type GovernanceContext } from './guarded';

/** The audit trail for privacy officers: `GET /fhir/AuditEvent?…` and `/fhir/AuditEvent/{id}` (audit-read). */
export function auditRoutes(context: GovernanceContext): Router {
  const { trail } = context;
  const options = context;
  const guarded = guardedBy(context);
  const fhir = Router();

  fhir.get(
    '/AuditEvent',
    guarded('/fhir/AuditEvent', 'audit-read', 'search-type', 'audit-search', async (req, res) => {
      const params = readQueryParams(
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

  fhir.all(['/AuditEvent', '/AuditEvent/:id'], () => {
    throw methodNotAllowed('GET');
  });
  return fhir;
}
