import { Router, type Request } from 'express';
import type { Basic, Bundle } from '@medplum/fhirtypes';
import { OutcomeError, outcomeOf } from '../../../core/outcome-error';
import { TOPIC_BASIC_CODE, topicBasics } from '../../events/topic-resource';
import { notFound } from '../fhir-error';
import { sendFhir } from '../fhir-routes';
import { locals } from '../request-context';

const SEARCH_PARAMETERS = new Set(['code', '_id']);

/** Whether a `code` token (code, system|code or |code) names SubscriptionTopic. */
function namesTopics(token: string): boolean {
  const [system, code] = token.includes('|') ? token.split('|', 2) : [undefined, token];
  return code === TOPIC_BASIC_CODE.code && (system === undefined || system === TOPIC_BASIC_CODE.system);
}

/**
 * The published SubscriptionTopics as the Backport IG's R4 `Basic` form: `GET /fhir/Basic?code=SubscriptionTopic`
 * and `GET /fhir/Basic/{id}`. Public, as the CapabilityStatement is: a topic says what may be subscribed
 * to, never anything about a patient. The broker serves no other Basic resources.
 */
export function topicRoutes(options: { readonly baseUrlOf: (req: Request) => string }): Router {
  const router = Router();
  router.get('/fhir/Basic', (req, res) => {
    locals(res).route = '/fhir/Basic';
    const unknown = Object.keys(req.query).filter((name) => !SEARCH_PARAMETERS.has(name));
    if (unknown.length > 0)
      throw new OutcomeError(
        'invalid',
        outcomeOf(
          'invalid',
          `Basic is searched here by code (SubscriptionTopic) and _id only; not by ${unknown.slice(0, 3).join(', ')}.`,
        ),
      );
    const codes = [req.query.code].flat().filter((c): c is string => typeof c === 'string');
    const ids = [req.query._id].flat().filter((c): c is string => typeof c === 'string');
    const matches = topicBasics().filter(
      (basic) =>
        codes.every((list) => list.split(',').some(namesTopics)) &&
        ids.every((list) => list.split(',').includes(basic.id!)),
    );
    const baseUrl = options.baseUrlOf(req);
    const bundle: Bundle<Basic> = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: matches.map((resource) => ({
        fullUrl: `${baseUrl}/Basic/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    sendFhir(res, 200, bundle);
  });
  router.get('/fhir/Basic/:id', (req, res) => {
    locals(res).route = '/fhir/Basic/:id';
    const topic = topicBasics().find((basic) => basic.id === req.params.id);
    if (!topic) throw notFound(`No Basic ${String(req.params.id).slice(0, 40)} is published here.`);
    sendFhir(res, 200, topic);
  });
  return router;
}
