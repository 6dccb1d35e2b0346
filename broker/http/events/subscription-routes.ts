import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { OutcomeError, operationOutcome, outcomeOf } from '../../../core/outcome-error';
import { EndpointRefused, endpointRuleText } from '../../events/endpoint-policy';
import { AuditUnavailable } from '../../audit/audit-trail';
import { JournalUnavailable } from '../../audit/journal/journal';
import { notificationBundle, subscriptionStatus } from '../../events/notification-bundle';
import { subscriptionResource, type SubscriptionRecord } from '../../events/subscription-record';
import { readSubscriptionRequest } from '../../events/subscription-request';
import { matchesSearch, readSubscriptionSearch } from '../../events/subscription-search';
import type { RunningNotifications } from '../../events/start-notifications';
import type { EventSystemRegistry } from '../../trust/event-system-registry';
import type { SystemTokens } from '../../trust/system-tokens';
import { notFound } from '../fhir-error';
import { sendFhir } from '../fhir-routes';
import { readJsonBody } from '../json-body';
import { locals } from '../request-context';
import { eventSystemOf } from './event-system-auth';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Topic-based Subscriptions (R5 Backport IG for R4), made and read by registered systems only: create
 * (with a handshake to the endpoint), search, read, `$status` and delete (status off), each on the
 * system's own subscriptions. Another system's subscription is a 404, as if it did not exist.
 */
export function subscriptionRoutes(options: {
  readonly tokens: SystemTokens;
  readonly systems: EventSystemRegistry;
  readonly notifications: () => RunningNotifications | undefined;
  readonly baseUrlOf: (req: Request) => string;
  readonly maxBodyBytes: number;
}): Router {
  const router = Router();
  const running = (): RunningNotifications => {
    const notifications = options.notifications();
    if (!notifications) throw new AuditUnavailable();
    return notifications;
  };
  const save = async (notifications: RunningNotifications, record: SubscriptionRecord): Promise<void> => {
    try {
      await notifications.subscriptions.save(record);
    } catch (error) {
      if (error instanceof JournalUnavailable) throw new AuditUnavailable({ cause: error });
      throw error;
    }
  };
  const owned = async (req: Request, notifications: RunningNotifications): Promise<SubscriptionRecord> => {
    const system = await eventSystemOf(req, options.tokens, options.systems);
    const id = String(req.params.id);
    const record = ID.test(id) ? await notifications.subscriptions.get(id) : undefined;
    if (!record || record.owner !== system.clientId)
      throw notFound(`No Subscription ${id.slice(0, 40)} of ${system.name} is known here.`);
    return record;
  };

  router.post('/fhir/Subscription', async (req, res) => {
    locals(res).route = '/fhir/Subscription';
    const notifications = running();
    const system = await eventSystemOf(req, options.tokens, options.systems);
    const requested = readSubscriptionRequest(await readJsonBody(req, options.maxBodyBytes), system);
    try {
      await notifications.endpoints.check(requested.endpoint);
    } catch (error) {
      if (!(error instanceof EndpointRefused)) throw error;
      throw new OutcomeError(
        'invalid',
        outcomeOf('invalid', endpointRuleText(error.rule), 'Subscription.channel.endpoint'),
        { cause: error },
      );
    }
    const record: SubscriptionRecord = {
      id: randomUUID(),
      status: 'requested',
      owner: system.clientId,
      ownerOds: system.odsCode,
      created: new Date().toISOString(),
      ...requested,
    };
    // The handshake (Backport IG): the endpoint must answer before anything is sent to it.
    const baseUrl = options.baseUrlOf(req);
    const handshake = notificationBundle({
      baseUrl,
      subscription: record,
      type: 'handshake',
      eventsSinceStart: 0,
    });
    const answer = await notifications.sender.send(record.endpoint, handshake, handshake.id!);
    const made: SubscriptionRecord =
      answer.outcome === 'delivered'
        ? { ...record, status: 'active' }
        : {
            ...record,
            status: 'error',
            error: `The handshake to the endpoint failed (${answer.outcome}${answer.status ? `, HTTP ${answer.status}` : ''}); create the Subscription again once it answers.`,
          };
    await save(notifications, made);
    res.setHeader('Location', `${baseUrl}/Subscription/${made.id}`);
    sendFhir(res, 201, subscriptionResource(made));
  });

  router.get('/fhir/Subscription', async (req, res) => {
    locals(res).route = '/fhir/Subscription';
    const notifications = running();
    const system = await eventSystemOf(req, options.tokens, options.systems);
    const search = readSubscriptionSearch(req.query);
    const baseUrl = options.baseUrlOf(req);
    // A system's own subscriptions only: no role sees another system's (none has a duty to).
    const mine = [...(await notifications.subscriptions.all()).values()]
      .filter((record) => record.owner === system.clientId && matchesSearch(record, search))
      .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    sendFhir(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: mine.length,
      entry: mine.slice(0, search.count).map((record) => ({
        fullUrl: `${baseUrl}/Subscription/${record.id}`,
        resource: subscriptionResource(record),
        search: { mode: 'match' },
      })),
    });
  });

  router.get('/fhir/Subscription/:id', async (req, res) => {
    locals(res).route = '/fhir/Subscription/:id';
    sendFhir(res, 200, subscriptionResource(await owned(req, running())));
  });

  router.get('/fhir/Subscription/:id/:operation', async (req, res, next) => {
    if (req.params.operation !== '$status') return next();
    locals(res).route = '/fhir/Subscription/:id/$status';
    const notifications = running();
    const record = await owned(req, notifications);
    const status = subscriptionStatus({
      baseUrl: options.baseUrlOf(req),
      subscription: record,
      type: 'query-status',
      eventsSinceStart: await notifications.eventsSince(record.id),
    });
    sendFhir(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [{ fullUrl: `urn:uuid:${status.id}`, resource: status, search: { mode: 'match' } }],
    });
  });

  router.delete('/fhir/Subscription/:id', async (req, res) => {
    locals(res).route = '/fhir/Subscription/:id';
    const notifications = running();
    const record = await owned(req, notifications);
    await save(notifications, { ...record, status: 'off' });
    sendFhir(res, 200, operationOutcome('information', 'informational', `Subscription ${record.id} is off.`));
  });
  return router;
}
