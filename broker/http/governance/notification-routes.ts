import { Router } from 'express';
import { RedeliveryRefused, type DeadLetterDesk } from '../../events/dead-letter-desk';
import { auditRequestOf } from '../audit-context';
import { badRequest } from '../fhir-error';
import { readQueryParams } from '../fhir-params';
import { one, parseCount, parseWhen } from './governance-params';
import { guardedBy, UUID, type GovernanceContext } from './guarded';

/**
 * Dead-lettered notifications (notifications-manage), under `/admin`: the list an administrator fixes
 * subscriber endpoints from, and a redelivery once the subscriber is fixed. Neither shows the patient.
 */
export function notificationAdminRoutes(
  context: GovernanceContext & { readonly deadLetters: DeadLetterDesk },
): Router {
  const { trail, deadLetters } = context;
  const guarded = guardedBy(context);
  const admin = Router();

  admin.get(
    '/admin/notifications',
    guarded(
      '/admin/notifications',
      'notifications-manage',
      'search-type',
      'notification-list',
      async (req, res) => {
        const params = readQueryParams(req, ['status', 'from', 'to', '_count']);
        const status = one(params, 'status') ?? 'dead-letter';
        if (status !== 'dead-letter') throw badRequest('status must be dead-letter.', 'status');
        const fromParam = one(params, 'from');
        const toParam = one(params, 'to');
        const limit = parseCount(one(params, '_count'));
        const range = {
          ...(fromParam ? { from: parseWhen(fromParam, 'from', 'start') } : {}),
          ...(toParam ? { to: parseWhen(toParam, 'to', 'end') } : {}),
        };
        await trail.commit({
          request: auditRequestOf(req, res, 'search-type'),
          action: 'notification-list',
          outcome: '0',
        });
        const notifications = await deadLetters.list({ limit, ...range });
        res.type('application/json').send(JSON.stringify({ status, notifications }));
      },
    ),
  );

  admin.post(
    '/admin/notifications/:id/redeliver',
    guarded(
      '/admin/notifications/:id/redeliver',
      'notifications-manage',
      'update',
      'notification-redeliver',
      async (req, res) => {
        const id = String(req.params.id);
        if (!UUID.test(id))
          throw new RedeliveryRefused('not-found', 'There is no notification with this id.');
        const redelivery = await deadLetters.redeliver(id, auditRequestOf(req, res, 'update'));
        res
          .status(202)
          .type('application/json')
          .send(JSON.stringify({ status: 'redelivering', ...redelivery }));
      },
    ),
  );

  return admin;
}
