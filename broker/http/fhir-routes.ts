import { Router, type Request, type Response } from 'express';
import type { Requester } from '../../core/requester';
import {
  isRecordResourceType,
  RECORD_RESOURCE_TYPES,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import type { PatientViewService } from '../view/patient-view-service';
import type { PatientView } from '../view/patient-view';
import { capabilityStatement } from './capability-statement';
import { methodNotAllowed, notAcceptable, notFound } from './fhir-error';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';
import {
  nhsNumberFromIdentifier,
  parseCountParam,
  parseSinceParam,
  parseTypeParam,
  readParams,
  requireNhsNumber,
} from './fhir-params';
import { SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';
import type { PageSnapshotStore, PageSubject } from '../paging/page-snapshot-store';
import { firstPage, readPage } from './paged-search';
import type { AuditInteraction } from '../audit/audit-event';
import { auditContextOf } from './audit-context';
import { locals } from './request-context';
import { assertViewAvailable } from './view-availability';
import { viewBundle } from './view-bundle';
import { jsonChunks } from './json-chunks';
import { traceAnswer } from '../observability/spans';
import { RecentReferences, type ReferenceLocator } from '../view/recent-references';
import { parseTypeSearch } from '../search/search-request';
import { ensureSearchDefinitions } from '../search/search-definitions';
import { searchBundle } from '../search/search-result';
import type { Bundle } from '@medplum/fhirtypes';
import type { PatientTraceService } from '../view/patient-trace-service';
import { isTrace, TRACE_PARAMS, traceInputs } from './trace-params';
import { traceBundle } from './trace-bundle';
import {
  findInView,
  isReadableType,
  READ_WINDOW_ENTRIES,
  READ_WINDOW_MS,
  readableReferences,
  sourceOfId,
  unreadable,
} from './instance-read';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface FhirRoutesOptions {
  readonly service: PatientViewService;
  readonly brokerName: string;
  readonly version: string;
  /** Who the request is for: a peer's vouched-for user, or (until authentication) an unauthenticated caller. */
  readonly requesterOf: (req: Request, res: Response) => Requester;
  readonly baseUrlOf: (req: Request) => string;
  /** This broker's id: a request whose chain already holds it has looped. */
  readonly brokerId: string;
  readonly hopLimit: number;
  /** Where `_count`-paged results wait for their `next` links. */
  readonly pages: PageSnapshotStore;
  /** Which patient each id a user was shown belongs to, for reading it by id (default: this process's memory). */
  readonly references?: ReferenceLocator;
  /** Tracing a patient by demographics through the national demographics service, when configured. */
  readonly tracer?: PatientTraceService;
}

export function sendFhir(res: Response, status: number, body: unknown): void {
  traceAnswer({ status, format: 'fhir+json', body }, () => {
    const chunks = jsonChunks(body);
    const bytes = chunks.reduce((total, chunk) => total + chunk.length, 0);
    res.status(status).type(FHIR_JSON);
    res.setHeader('Content-Length', bytes);
    // One write of all the chunks (a HEAD request's body is dropped by Node itself).
    res.cork();
    for (const chunk of chunks) res.write(chunk);
    res.end();
    return bytes;
  });
}

export function fhirRoutes(options: FhirRoutesOptions): Router {
  const router = Router();
  const startedAt = new Date().toISOString();
  const { baseUrlOf } = options;
  // Indexed at start-up (once per process), not by the first clinician's search.
  ensureSearchDefinitions();
  // Which patient each id a user was shown belongs to, for reading it by id afterwards.
  const recent =
    options.references ?? new RecentReferences({ ttlMs: READ_WINDOW_MS, maxEntries: READ_WINDOW_ENTRIES });

  router.use((req, res, next) => {
    if (!req.accepts(['application/fhir+json', 'application/json'])) throw notAcceptable();
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
    const chain = locals(res).chain ?? [];
    if (chain.includes(options.brokerId) || chain.length >= options.hopLimit) {
      // 508 Loop Detected: the calling broker records this broker as skipped (loop) and nothing fans out again.
      throw new OutcomeError('loop-detected', {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'business-rule',
            details: {
              coding: [{ system: SOURCE_ISSUE_SYSTEM, code: 'loop' }],
              text: chain.includes(options.brokerId)
                ? 'This request has already passed through this broker.'
                : `This request has passed through ${chain.length} brokers, the most this broker accepts.`,
            },
          },
        ],
      });
    }
    next();
  });

  const route = (path: string, handler: (req: Request, res: Response) => Promise<void> | void): void => {
    router.get(path, (req, res) => {
      locals(res).route = `/fhir${path}`;
      return handler(req, res);
    });
  };

  /** The view for this request's person and chain, noted in the access log, or the 404/503 it must be. */
  const openView = async (
    req: Request,
    res: Response,
    request: {
      nhsNumber: string;
      resourceTypes: readonly RecordResourceType[];
      since?: string;
      onlySources?: readonly string[];
      release?: (view: PatientView) => { readonly returned: number };
    },
    shape: { notFoundIs404: boolean; interaction: AuditInteraction },
  ): Promise<PatientView> => {
    const requester = options.requesterOf(req, res);
    const chain = locals(res).chain ?? [];
    const view = await options.service.view({
      ...request,
      requester,
      trace: locals(res).trace,
      chain,
      audit: auditContextOf(req, res, shape.interaction),
    });
    locals(res).viewSummary = summarise(view, requester, chain);
    assertViewAvailable(view, shape);
    return view;
  };

  const answerView = async (
    req: Request,
    res: Response,
    request: { nhsNumber: string; resourceTypes: readonly RecordResourceType[]; since?: string },
    shape: {
      includePatient: boolean;
      notFoundIs404: boolean;
      interaction: AuditInteraction;
      count?: number;
      /** A search's own answer from the view's searchset (filters, includes, sort). */
      refine?: (bundle: Bundle) => Bundle;
    },
  ): Promise<void> => {
    const now = new Date();
    const selfUrl = `${baseUrlOf(req)}${req.originalUrl.slice(req.baseUrl.length)}`;
    const build = (view: PatientView): Bundle => {
      const whole = viewBundle(view, {
        baseUrl: baseUrlOf(req),
        selfUrl,
        includePatient: shape.includePatient,
        now,
      });
      return shape.refine ? shape.refine(whole) : whole;
    };
    // A search's answer is made before its access is committed, so that the audit counts what it returns.
    let refined: Bundle | undefined;
    const { refine } = shape;
    const release = refine
      ? (view: PatientView) => {
          refined = build(view);
          return { returned: recordEntries(refined) };
        }
      : undefined;
    const view = await openView(req, res, { ...request, ...(release ? { release } : {}) }, shape);
    const bundle = refined ?? build(view);
    if (request.resourceTypes.length > 0) {
      await recent.remember(
        options.requesterOf(req, res).userId,
        readableReferences((bundle.entry ?? []).map((e) => e.resource)),
        { nhsNumber: request.nhsNumber, resourceTypes: request.resourceTypes },
      );
    }
    const answer =
      shape.count === undefined
        ? bundle
        : await firstPage(bundle, {
            count: shape.count,
            owner: options.requesterOf(req, res).userId,
            subject: { nhsNumber: request.nhsNumber, queryId: view.queryId },
            pages: options.pages,
            baseUrl: baseUrlOf(req),
            selfUrl,
          });
    sendFhir(res, 200, answer);
  };

  route('/', async (req, res) => {
    const audit = (subject: PageSubject): Promise<void> =>
      options.service.releasePage({
        ...subject,
        requester: options.requesterOf(req, res),
        audit: auditContextOf(req, res, 'search-type'),
        chain: locals(res).chain ?? [],
      });
    sendFhir(res, 200, await readPage(req, res, { ...options, baseUrlOf, audit }));
  });

  route('/metadata', (req, res) => {
    readParams(req, []);
    sendFhir(
      res,
      200,
      capabilityStatement({
        baseUrl: baseUrlOf(req),
        name: options.brokerName,
        version: options.version,
        date: startedAt,
        trace: options.tracer !== undefined,
      }),
    );
  });

  route('/Patient', async (req, res) => {
    const params = readParams(req, ['identifier', ...(options.tracer ? TRACE_PARAMS : [])]);
    const identifier = params.get('identifier');
    if (identifier === undefined && options.tracer && isTrace(params)) {
      const { tracer } = options;
      const inputs = traceInputs(params);
      const result = await tracer.trace({
        inputs,
        requester: options.requesterOf(req, res),
        trace: locals(res).trace,
        audit: auditContextOf(req, res, 'search-type'),
      });
      sendFhir(
        res,
        200,
        traceBundle(result, {
          baseUrl: baseUrlOf(req),
          selfUrl: `${baseUrlOf(req)}${req.originalUrl.slice(req.baseUrl.length)}`,
        }),
      );
      return;
    }
    if (identifier === undefined || isTrace(params)) {
      throw new OutcomeError(
        'invalid',
        operationOutcome(
          'error',
          'required',
          options.tracer
            ? 'Search for a patient by identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS number}, or trace them by family, birthdate and gender or address-postalcode (not both at once).'
            : 'Search for a patient by identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS number}.',
          'identifier',
        ),
      );
    }
    const nhsNumber = nhsNumberFromIdentifier(identifier);
    await answerView(
      req,
      res,
      { nhsNumber, resourceTypes: [] },
      { includePatient: true, notFoundIs404: false, interaction: 'search-type' },
    );
  });

  route('/Patient/:id', async (req, res) => {
    readParams(req, []);
    const nhsNumber = requireNhsNumber(String(req.params.id), 'the Patient id');
    const view = await openView(
      req,
      res,
      { nhsNumber, resourceTypes: [] },
      { notFoundIs404: true, interaction: 'read' },
    );
    sendFhir(res, 200, view.patient);
  });

  route('/Patient/:id/\\$everything', async (req, res) => {
    const params = readParams(req, ['_type', '_since', '_count']);
    const nhsNumber = requireNhsNumber(String(req.params.id), 'the Patient id');
    const resourceTypes = parseTypeParam(params.get('_type')) ?? [...RECORD_RESOURCE_TYPES];
    const since = parseSinceParam(params.get('_since'));
    const count = parseCountParam(params.get('_count'));
    await answerView(
      req,
      res,
      { nhsNumber, resourceTypes, ...(since ? { since } : {}) },
      { includePatient: true, notFoundIs404: true, interaction: 'operation', ...(count ? { count } : {}) },
    );
  });

  route('/:type', async (req, res) => {
    const type = String(req.params.type);
    if (!isRecordResourceType(type)) {
      throw notFound(
        `The broker does not serve ${type.slice(0, 64)} resources. Supported: Patient, ${RECORD_RESOURCE_TYPES.join(', ')}.`,
      );
    }
    const query = req.originalUrl.indexOf('?');
    const search = parseTypeSearch(
      type,
      new URLSearchParams(query < 0 ? '' : req.originalUrl.slice(query + 1)),
    );
    await answerView(
      req,
      res,
      { nhsNumber: search.nhsNumber, resourceTypes: search.viewTypes },
      {
        includePatient: false,
        notFoundIs404: false,
        interaction: 'search-type',
        ...(search.count ? { count: search.count } : {}),
        refine: (bundle) => searchBundle(bundle, search),
      },
    );
  });

  /**
   * A read by id: only the source the id names is asked, in a view of the patient the id was shown
   * for, so that every rule of a view (role, relationship, objection, identity guard, sensitive data,
   * audit before release) applies again. Anything else is the one 404 that reveals nothing.
   */
  route('/:type/:id', async (req, res) => {
    readParams(req, []);
    const type = String(req.params.type);
    if (!isReadableType(type)) {
      throw notFound(
        `The broker does not serve ${type.slice(0, 64)} resources. Readable: Patient, ${RECORD_RESOURCE_TYPES.join(', ')}, Medication, Practitioner, PractitionerRole, Organization, Location.`,
      );
    }
    const id = String(req.params.id);
    const source = sourceOfId(options.service.sources, id);
    const origin = source && (await recent.locate(options.requesterOf(req, res).userId, `${type}/${id}`));
    if (!source || !origin) throw unreadable(type);
    let view: PatientView;
    try {
      view = await openView(
        req,
        res,
        {
          nhsNumber: origin.nhsNumber,
          resourceTypes: isRecordResourceType(type) ? [type] : origin.resourceTypes,
          onlySources: [source.id],
          release: (found) => ({ returned: findInView(found, type, id) ? 1 : 0 }),
        },
        { notFoundIs404: true, interaction: 'read' },
      );
    } catch (error) {
      if (error instanceof OutcomeError && error.kind === 'not-found') throw unreadable(type);
      throw error;
    }
    const resource = findInView(view, type, id);
    if (!resource) throw unreadable(type);
    sendFhir(res, 200, resource);
  });

  router.use((req) => {
    throw notFound(
      `There is no FHIR endpoint at ${req.method} ${req.path.slice(0, 80).replace(/\d{10}/g, '{id}')}.`,
    );
  });
  return router;
}

/** The record items a searchset returns (matches and grouped duplicates), as the audit counts them. */
function recordEntries(bundle: Bundle): number {
  return (bundle.entry ?? []).filter((e) => e.resource && isRecordResourceType(e.resource.resourceType))
    .length;
}

/** The access log's view line: who asked (staff, never the patient), what each source did, what was shown. */
export function summarise(
  view: PatientView,
  requester: Requester,
  chain: readonly string[],
): Record<string, unknown> {
  const statuses: Record<string, number> = {};
  for (const outcome of view.outcomes) statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
  return {
    queryId: view.queryId,
    requester: { userId: requester.userId, role: requester.role, org: requester.organisationOds },
    ...(chain.length ? { chain } : {}),
    statuses,
    shown: view.counts.shown,
    withheld: view.counts.otherPatient,
    withheldSensitive: view.counts.withheldSensitive,
  };
}
