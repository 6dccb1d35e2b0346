import express, { type NextFunction, type Request, type Response } from 'express';
import { DEMO_NHS_NUMBERS, type NodeDataset, type NodeRecord } from './population/types';
import { someoneElse } from './fhir-node';
import { faultBody, plainOutcome, spineError, type GpcError } from './gp-connect/gpc-outcome';
import { itemToStu3, structuredRecord } from './gp-connect/structured-record';
import {
  checkRequestHeaders,
  parseStructuredRecordRequest,
  type SimGpcSection,
  type StructuredRecordRequest,
} from './gp-connect/structured-record-request';
import { createSimNodeBase, type RunningSimNode } from './sim-node-base';

export const GP_CONNECT_BASE_PATH = '/gpconnect/structured/fhir';

export interface GpConnectNodeOptions {
  readonly dataset: NodeDataset;
  readonly latencyMs?: number | (() => number);
  /** Repeated requests are answered from the body first produced for them (benchmarks). */
  readonly cacheAnswers?: boolean;
  readonly port?: number;
  readonly host?: string;
  /** NHS numbers of patients who dissented from sharing their GP record. Default: the demo objection patient. */
  readonly dissent?: readonly string[];
  /** The practice's clock, for tokens' expiry and search dates. Default: the wall clock. */
  readonly now?: () => Date;
}

/** A GP Connect node's handle, with the last request body for protocol checks. */
export interface RunningGpConnectNode extends RunningSimNode {
  /** The `Parameters` body of the last structured record request. */
  lastParameters(): unknown;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Which record resource types each area draws on, for a mixed-up record's extra item. */
const SECTION_SOURCES: Partial<Record<SimGpcSection, string>> = {
  includeAllergies: 'AllergyIntolerance',
  includeMedication: 'MedicationStatement',
  includeProblems: 'Condition',
  includeInvestigations: 'Observation',
  includeUncategorisedData: 'Observation',
};

/**
 * A simulated GP practice speaking GP Connect Access Record: Structured (FHIR STU3): one operation,
 * `POST {base}/Patient/$gpc.getstructuredrecord`, behind Spine headers and an unsigned JWT, serving the node's
 * population as GP Connect's collection Bundle with its Lists.
 */
export async function startGpConnectNode(options: GpConnectNodeOptions): Promise<RunningGpConnectNode> {
  const { dataset } = options;
  const dissent = new Set(options.dissent ?? [DEMO_NHS_NUMBERS.objection]);
  const clock = options.now ?? ((): Date => new Date());
  const base = createSimNodeBase({
    contentType: FHIR_JSON,
    errorBody: faultBody,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.cacheAnswers ? { cacheAnswers: true } : {}),
  });
  const { app } = base;
  let baseUrl = '';
  let lastParameters: unknown;

  app.use(express.json({ type: ['application/fhir+json', 'application/json'], limit: '1mb' }));

  app.post(`${GP_CONNECT_BASE_PATH}/Patient/:operation`, (req, res, next) => {
    if (req.params.operation !== '$gpc.getstructuredrecord') return next();
    lastParameters = req.body as unknown;
    return base.answer(req, res, 'search', (fault) => {
      const now = clock();
      const failure = checkRequestHeaders(req.headers, baseUrl, now);
      if (failure) return failure;
      const parsed = parseStructuredRecordRequest(req.body, now.toISOString().slice(0, 10));
      if ('error' in parsed) return parsed.error;
      const { request } = parsed;
      const localId = dataset.localIdByNhs.get(request.nhsNumber);
      const record = localId ? dataset.records.get(localId) : undefined;
      if (!record) return spineError('PATIENT_NOT_FOUND', 'No active registration for this NHS number');
      if (dissent.has(request.nhsNumber))
        return spineError('NO_PATIENT_CONSENT', 'The patient has dissented');
      if (fault?.kind === 'wrong-patient') {
        const other = recordOf(dataset, someoneElse(dataset, record.localId).id);
        return { body: structuredRecord(other, { ...request, nhsNumber: '' }, { now }) };
      }
      const extra = fault?.kind === 'other-patient' ? otherPatientItem(dataset, record.localId, request) : [];
      return { body: structuredRecord(record, request, { now, extra }) };
    });
  });

  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    send(res, spineError('BAD_REQUEST', 'The request body could not be read'));
  });
  app.use((_req: Request, res: Response) => send(res, plainOutcome(404, 'Not found')));

  const node = await base.listen({ ...options, path: GP_CONNECT_BASE_PATH });
  baseUrl = node.baseUrl;
  return { ...node, lastParameters: () => lastParameters };
}

function send(res: Response, error: GpcError): void {
  res.status(error.status).type(FHIR_JSON).send(JSON.stringify(error.body));
}

function recordOf(dataset: NodeDataset, localId: string | undefined): NodeRecord {
  const record = localId ? dataset.records.get(localId) : undefined;
  if (!record) throw new Error('the node has no such record');
  return record;
}

/** Another person's item of an area the request asked for: what a practice system that mixed up records might add. */
function otherPatientItem(
  dataset: NodeDataset,
  localId: string,
  request: StructuredRecordRequest,
): { resourceType: string; id?: string }[] {
  const types = [...request.sections]
    .map((s) => SECTION_SOURCES[s])
    .filter((t): t is string => t !== undefined);
  for (const [otherId, record] of dataset.records) {
    if (otherId === localId) continue;
    const item = record.resources.find((r) => types.includes(r.resourceType));
    if (item) return itemToStu3(item);
  }
  return [];
}
