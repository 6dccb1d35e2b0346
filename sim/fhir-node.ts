import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { isRecordResourceType } from '../core/fhir/resource-types';
import type { NodeDataset, NodeRecord } from './population/types';
import { answerBatch, type SearchAnswer, type SearchParams } from './fhir-batch';
import type { SimFault } from './sim-faults';
import { letterPdf } from './documents/letter-pdf';
import { createSimNodeBase, type RunningSimNode } from './sim-node-base';
import { mountTokenEndpoint, type SimTokenServer, type TokenEndpointOptions } from './smart-token-endpoint';

export type { RunningSimNode } from './sim-node-base';

export interface RunningFhirNode extends RunningSimNode {
  /** The node's token server, when it requires SMART Backend Services. */
  readonly tokens?: SimTokenServer | undefined;
}

export interface SimNodeOptions {
  readonly dataset: NodeDataset;
  /** Added before every answer: a fixed delay or a function drawing one (e.g. a heavy tail). */
  readonly latencyMs?: number | (() => number);
  /** Repeated requests are answered from the body first produced for them (benchmarks). */
  readonly cacheAnswers?: boolean;
  readonly port?: number;
  readonly host?: string;
  /** When given, the node runs a SMART Backend Services token endpoint at /auth/token and requires its tokens. */
  readonly auth?: TokenEndpointOptions;
  /**
   * A replica of another node: it requires the tokens that node's token server issues (one
   * authorisation server in front of both copies of a system), and runs no token endpoint of its own.
   */
  readonly replicaOf?: { readonly tokens: SimTokenServer };
  /**
   * The node's `Binary/{id}` content (a document's bytes), when not the default: every DocumentReference
   * content whose url is `Binary/{id}` is its first (plain text) letter rendered as a PDF.
   */
  readonly binary?: (id: string) => Promise<SimBinary | undefined>;
}

/** A document's bytes as the node serves them: whole, or streamed (then without a declared length). */
export interface SimBinary {
  readonly contentType: string;
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /** Sent as Content-Length; for a stream, only when set. */
  readonly length?: number;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Resources of one type for one patient, indexed once so that serving a page is cheap. */
function indexRecords(dataset: NodeDataset): Map<string, Map<string, Resource[]>> {
  const index = new Map<string, Map<string, Resource[]>>();
  for (const [localId, record] of dataset.records) {
    const byType = new Map<string, Resource[]>();
    for (const resource of record.resources) {
      const list = byType.get(resource.resourceType) ?? [];
      list.push(resource);
      byType.set(resource.resourceType, list);
    }
    index.set(localId, byType);
  }
  return index;
}

/**
 * A simulated regional node serving its dataset as FHIR R4 REST: Patient by identifier, searches by
 * patient (paged), and batches of those searches.
 */
export async function startFhirNode(options: SimNodeOptions): Promise<RunningFhirNode> {
  let tokenServer: SimTokenServer | undefined;
  const { dataset } = options;
  const index = indexRecords(dataset);
  const base = createSimNodeBase({
    contentType: FHIR_JSON,
    errorBody: (status) => outcome(status >= 500 ? 'exception' : 'processing', 'Simulated failure'),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.cacheAnswers ? { cacheAnswers: true } : {}),
  });
  const { app } = base;
  let baseUrl = '';
  const tokens =
    options.replicaOf?.tokens ??
    (options.auth ? mountTokenEndpoint(app, '/auth/token', options.auth) : undefined);
  if (tokens) {
    app.use('/fhir', (req, res, next) =>
      req.path === '/metadata' ? next() : tokens.requireToken(req, res, next),
    );
    tokenServer = tokens;
  }

  app.get('/fhir/metadata', (_req, res) => {
    res.type(FHIR_JSON).send(
      JSON.stringify({
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        date: '2026-01-01',
      }),
    );
  });

  /** Patient by NHS number (`identifier=system|value`). */
  const patientSearch = (params: SearchParams, fault: SimFault | null): SearchAnswer => {
    const [system, value] = (params.identifier ?? '').split('|');
    const localId = system === NHS_NUMBER_SYSTEM && value ? dataset.localIdByNhs.get(value) : undefined;
    const record = localId ? dataset.records.get(localId) : undefined;
    if (!record) return { body: searchset(baseUrl, '/Patient', params, [], 0) };
    const patient =
      fault?.kind === 'wrong-patient'
        ? someoneElse(dataset, record.localId)
        : fault?.kind === 'demographics-mismatch'
          ? { ...record.patient, birthDate: anotherBirthDate(record.patient.birthDate) }
          : record.patient;
    return { body: searchset(baseUrl, '/Patient', params, [patient], 1) };
  };

  /** One record type by patient (`patient` or `subject`), `_lastUpdated=ge…`, paged by `_count` and `_offset`. */
  const typeSearch = (type: string, params: SearchParams, fault: SimFault | null): SearchAnswer => {
    if (!isRecordResourceType(type)) return unknownType(type);
    const localId = (params.patient ?? params.subject ?? '').replace(/^Patient\//, '');
    let resources = index.get(localId)?.get(type) ?? [];
    if (fault?.kind === 'other-patient')
      resources = resources.concat(otherPatientResources(dataset, localId, type));
    const lastUpdated = params._lastUpdated ?? '';
    if (lastUpdated.startsWith('ge')) {
      const since = Date.parse(lastUpdated.slice(2));
      resources = resources.filter((r) => !r.meta?.lastUpdated || Date.parse(r.meta.lastUpdated) >= since);
    }
    const count = Math.min(Math.max(Number(params._count) || 50, 1), 1000);
    const offset = Math.max(Number(params._offset) || 0, 0);
    const next = offset + count < resources.length ? offset + count : undefined;
    const page = resources.slice(offset, offset + count);
    const included =
      type === 'DiagnosticReport' && params._include === 'DiagnosticReport:specimen'
        ? specimensOf(page, index.get(localId)?.get('Specimen') ?? [])
        : [];
    return {
      body: searchset(baseUrl, `/${type}`, params, page, resources.length, next, included),
    };
  };

  const binary = options.binary ?? letterPdfs(dataset);
  // A FHIR server's Binary read answers the document's own bytes to a client that does not ask for FHIR JSON.
  app.get('/fhir/Binary/:id', async (req, res) => {
    const found = await binary(String(req.params.id));
    if (!found) {
      res
        .status(404)
        .type(FHIR_JSON)
        .send(JSON.stringify(outcome('not-found', 'No such Binary')));
      return;
    }
    res.status(200).type(found.contentType);
    if (found.body instanceof Uint8Array) {
      res.setHeader('Content-Length', found.body.length);
      res.end(Buffer.from(found.body));
      return;
    }
    if (found.length !== undefined) res.setHeader('Content-Length', found.length);
    try {
      await pipeline(Readable.from(found.body), res);
    } catch {
      res.destroy();
    }
  });

  app.get('/fhir/Patient', (req, res) =>
    base.answer(req, res, 'patient', (fault) => patientSearch(queryParams(req), fault)),
  );

  app.get('/fhir/:type', (req, res) => {
    const type = String(req.params.type);
    if (!isRecordResourceType(type)) {
      res
        .status(404)
        .type(FHIR_JSON)
        .send(JSON.stringify(unknownType(type).body));
      return;
    }
    return base.answer(req, res, 'search', (fault) => typeSearch(type, queryParams(req), fault));
  });

  /** FHIR batch: POST to the base; counted, delayed and faulted as one search request. */
  app.post(
    '/fhir',
    express.json({ type: ['application/fhir+json', 'application/json'], limit: '256kb' }),
    (req, res) =>
      base.answer(req, res, 'search', (fault) =>
        answerBatch(req.body, {
          baseUrl,
          search: (type, params) =>
            type === 'Patient' ? patientSearch(params, fault) : typeSearch(type, params, fault),
        }),
      ),
  );

  // A body that is not JSON, or too large, is refused in the node's own error shape.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
    res
      .status(code)
      .type(FHIR_JSON)
      .send(
        JSON.stringify(
          outcome(code === 413 ? 'too-costly' : 'invalid', 'The request body could not be read'),
        ),
      );
  });

  app.use((_req, res) => {
    res
      .status(404)
      .type(FHIR_JSON)
      .send(JSON.stringify(outcome('not-found', 'Not found')));
  });

  const node = await base.listen({ ...options, path: '/fhir' });
  baseUrl = node.baseUrl;
  return { ...node, tokens: tokenServer };
}

/** The default Binary content: each DocumentReference's letter as a PDF, rendered once, at `Binary/{id}`. */
function letterPdfs(dataset: NodeDataset): (id: string) => Promise<SimBinary | undefined> {
  const rendered = new Map<string, Promise<Uint8Array>>();
  return async (id) => {
    for (const record of dataset.records.values()) {
      for (const resource of record.resources) {
        if (resource.resourceType !== 'DocumentReference') continue;
        const pdf = resource.content.find((c) => c.attachment.url === `Binary/${id}`)?.attachment;
        const letter = resource.content.find((c) => c.attachment.data)?.attachment;
        if (!pdf || !letter?.data) continue;
        if (!rendered.has(id))
          rendered.set(
            id,
            letterPdf(pdf.title ?? 'Letter', Buffer.from(letter.data, 'base64').toString('utf8')),
          );
        return { contentType: 'application/pdf', body: await rendered.get(id)! };
      }
    }
    return undefined;
  };
}

/** The query of a GET, as the searches read it: the string-valued parameters. */
function queryParams(req: Request): SearchParams {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string') params[name] = value;
  return params;
}

function searchset(
  baseUrl: string,
  path: string,
  params: SearchParams,
  resources: readonly Resource[],
  total: number,
  nextOffset?: number,
  included: readonly Resource[] = [],
): Bundle {
  const self = new URL(`${baseUrl}${path}`);
  for (const [name, value] of Object.entries(params)) self.searchParams.set(name, value);
  const link = [{ relation: 'self', url: self.toString() }];
  if (nextOffset !== undefined) {
    const next = new URL(self);
    next.searchParams.set('_offset', String(nextOffset));
    link.push({ relation: 'next', url: next.toString() });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link,
    entry: [
      ...resources.map((resource) => ({
        fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' as const },
      })),
      ...included.map((resource) => ({
        fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'include' as const },
      })),
    ],
  };
}

/** The Specimens these reports name (`_include=DiagnosticReport:specimen`). */
function specimensOf(reports: readonly Resource[], specimens: readonly Resource[]): Resource[] {
  const named = new Set(
    reports.flatMap((r) =>
      r.resourceType === 'DiagnosticReport' ? (r.specimen ?? []).map((s) => s.reference) : [],
    ),
  );
  return specimens.filter((s) => named.has(`Specimen/${s.id}`));
}

/** Another person's Patient resource from this node: what a source that mixed up its records might send. */
export function someoneElse(dataset: NodeDataset, localId: string): Patient {
  for (const [otherId, record] of dataset.records) if (otherId !== localId) return record.patient;
  throw new Error('the node holds only one patient');
}

/** A date of birth a year and a day later than the real one (still a valid date). */
function anotherBirthDate(birthDate: string | undefined): string {
  const date = new Date(`${birthDate ?? '1970-01-01'}T00:00:00Z`);
  date.setUTCFullYear(date.getUTCFullYear() + 1, date.getUTCMonth(), date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** A resource of the same type belonging to someone else in this node: what a buggy source might send. */
function otherPatientResources(dataset: NodeDataset, localId: string, type: string): Resource[] {
  for (const [otherId, record] of dataset.records as ReadonlyMap<string, NodeRecord>) {
    if (otherId === localId) continue;
    const found = record.resources.find((r) => r.resourceType === type);
    if (found) return [found];
  }
  return [];
}

function unknownType(type: string): SearchAnswer {
  return { status: 404, body: outcome('not-supported', `Unknown resource type ${type.slice(0, 64)}`) };
}

function outcome(code: string, text: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  } as Resource;
}
