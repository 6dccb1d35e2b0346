import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { SourceDescriptor } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { buildRecord } from '../record/build-record';
import type { PatientViewService } from '../view/patient-view-service';
import { OutcomeError } from '../../core/outcome-error';
import { readParams, requireNhsNumber } from './fhir-params';
import { summarise } from './fhir-routes';
import type { RefusalAggregator } from '../audit/refusal-aggregator';
import { auditContextOf } from './audit-context';
import { auditRefusal } from './audit-refusal';
import { locals } from './request-context';
import { assertViewAvailable } from './view-availability';
import { traceAnswer } from '../observability/spans';

export interface RecordRoutesOptions {
  readonly service: PatientViewService;
  /** Every configured source, for the names and ODS codes the record shows. */
  readonly sources: readonly SourceDescriptor[];
  readonly requesterOf: (req: Request, res: Response) => Requester;
  /** Refusals are audited too. */
  /** Refusals before any view, recorded in aggregate per requester and window. */
  readonly refusals: RefusalAggregator;
}

const ROUTE = '/api/v1/patients/:nhs/record';

/**
 * The viewer's JSON record of a patient (`GET /api/v1/patients/{nhs}/record`): the whole record
 * fanned out like $everything, arranged in sections. Errors are the FHIR API's OperationOutcomes
 * with the same statuses, as `application/json`: one error model for both APIs.
 */
export function recordRoutes(options: RecordRoutesOptions): Router {
  const router = Router();
  router.get(ROUTE, async (req, res) => {
    locals(res).route = ROUTE;
    res.set('Cache-Control', 'no-store');
    readParams(req, []);
    const nhsNumber = requireNhsNumber(String(req.params.nhs), 'the path');
    const requester = options.requesterOf(req, res);
    const view = await options.service.view({
      nhsNumber,
      resourceTypes: [...RECORD_RESOURCE_TYPES],
      requester,
      trace: locals(res).trace,
      chain: [],
      audit: auditContextOf(req, res, 'operation'),
    });
    locals(res).viewSummary = summarise(view, requester, []);
    assertViewAvailable(view, { notFoundIs404: true });
    const record = buildRecord({ nhsNumber, view, sources: options.sources, now: new Date() });
    traceAnswer({ status: 200, format: 'record-json', body: record }, () => {
      res.json(record);
      return undefined;
    });
  });

  const onError: ErrorRequestHandler = async (error: unknown, req, res, next) => {
    if (!(error instanceof OutcomeError) || res.headersSent) return next(error);
    await auditRefusal(options.refusals, req, res, error);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).type('application/json').send(JSON.stringify(error.outcome));
  };
  router.use(onError);
  return router;
}
