import { Router } from 'express';
import { AlertRefused, type AlertDesk } from '../../audit/alert-desk';
import { auditRequestOf } from '../audit-context';
import { badRequest } from '../fhir-error';
import { readQueryParams } from '../fhir-params';
import { readJsonBody } from '../json-body';
import { DAY_MS, one, parseCount, parseWhen } from './governance-params';
import { guardedBy, UUID, type GovernanceContext } from './guarded';

/** The usage report (usage-read) and privacy-officer alerts (alerts), under `/admin`. */
export function adminRoutes(context: GovernanceContext & { readonly alerts: AlertDesk }): Router {
  const { trail } = context;
  const options = context;
  const guarded = guardedBy(context);
  const admin = Router();

  admin.get(
    '/admin/usage',
    guarded('/admin/usage', 'usage-read', 'operation', 'usage-report', async (req, res) => {
      const params = readQueryParams(req, ['from', 'to']);
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
      const params = readQueryParams(req, ['status', 'from', 'to', '_count']);
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

  return admin;
}
