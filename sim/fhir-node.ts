import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../broker/fhir/systems';
import { PATIENT_REFERENCE_PATH, isRecordResourceType } from '../broker/fhir/resource-types';
import type { NodeDataset, NodeRecord } from './population/types';
import type { SimFault, SimFaultRule } from './sim-faults';

export interface SimNodeOptions {
  readonly dataset: NodeDataset;
  /** Added before every answer: a fixed delay or a function drawing one (e.g. a heavy tail). */
  readonly latencyMs?: number | (() => number);
  readonly port?: number;
  readonly host?: string;
}

export interface RunningSimNode {
  /** The node's FHIR base URL, e.g. http://127.0.0.1:41234/fhir */
  readonly baseUrl: string;
  readonly port: number;
  /** Requests served so far, by kind. */
  readonly requests: { patient: number; search: number };
  /** The X-Request-Id of the last request, to check that the broker carries it upstream. */
  readonly lastRequestId: () => string | undefined;
  setFault(rule: SimFaultRule | null): void;
  setLatency(latencyMs: number | (() => number)): void;
  close(): Promise<void>;
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

/** A simulated regional node serving its dataset as FHIR R4 REST (search by patient, paged). */
export async function startFhirNode(options: SimNodeOptions): Promise<RunningSimNode> {
  const { dataset } = options;
  const index = indexRecords(dataset);
  let latency = options.latencyMs ?? 0;
  let rule: SimFaultRule | null = null;
  const requests = { patient: 0, search: 0 };
  let lastRequestId: string | undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  let baseUrl = '';

  const delay = (): Promise<void> => {
    const ms = typeof latency === 'function' ? latency() : latency;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  };

  const send = async (
    req: Request,
    res: Response,
    kind: 'patient' | 'search',
    body: () => Bundle,
  ): Promise<void> => {
    requests[kind]++;
    lastRequestId = req.get('x-request-id');
    await delay();
    const fault =
      rule && (rule.on ?? 'all') !== (kind === 'patient' ? 'search' : 'patient') ? rule.fault : null;
    if (fault && (await misbehave(fault, res))) return;
    res.status(200).type(FHIR_JSON).send(JSON.stringify(body()));
  };

  const misbehave = async (fault: SimFault, res: Response): Promise<boolean> => {
    switch (fault.kind) {
      case 'hang':
        return true;
      case 'status':
        res
          .status(fault.status)
          .type(FHIR_JSON)
          .send(JSON.stringify(outcome('exception', 'Simulated failure')));
        return true;
      case 'malformed-json':
        res.status(200).type(FHIR_JSON).send('{"resourceType":"Bundle","entry":[{');
        return true;
      case 'wrong-content-type':
        res.status(200).type('text/html').send('<html><body>Service temporarily unavailable</body></html>');
        return true;
      case 'wrong-resource-type':
        res
          .status(200)
          .type(FHIR_JSON)
          .send(JSON.stringify({ resourceType: 'Patient', id: 'x' }));
        return true;
      case 'redirect':
        res.redirect(302, fault.location);
        return true;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'slow-body': {
        res.status(200).type(FHIR_JSON);
        res.flushHeaders();
        const text = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] });
        for (const char of text) {
          if (res.destroyed) return true;
          res.write(char);
          await new Promise((resolve) => setTimeout(resolve, fault.intervalMs));
        }
        res.end();
        return true;
      }
      case 'oversized':
        res
          .status(200)
          .type(FHIR_JSON)
          .send(
            JSON.stringify({ resourceType: 'Bundle', type: 'searchset', padding: 'x'.repeat(fault.bytes) }),
          );
        return true;
      case 'other-patient':
        return false;
    }
  };

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

  app.get('/fhir/Patient', (req, res) =>
    send(req, res, 'patient', () => {
      const [system, value] = String(req.query.identifier ?? '').split('|');
      const localId = system === NHS_NUMBER_SYSTEM && value ? dataset.localIdByNhs.get(value) : undefined;
      const record = localId ? dataset.records.get(localId) : undefined;
      return searchset(baseUrl, req, record ? [record.patient] : [], record ? 1 : 0);
    }),
  );

  app.get('/fhir/:type', (req, res) => {
    const type = String(req.params.type);
    if (!isRecordResourceType(type)) {
      res
        .status(404)
        .type(FHIR_JSON)
        .send(JSON.stringify(outcome('not-supported', `Unknown resource type ${type}`)));
      return;
    }
    return send(req, res, 'search', () => {
      const localId = String(req.query.patient ?? req.query.subject ?? '').replace(/^Patient\//, '');
      let resources = index.get(localId)?.get(type) ?? [];
      if (rule?.fault.kind === 'other-patient' && (rule.on ?? 'all') !== 'patient') {
        resources = resources.concat(otherPatientResources(dataset, localId, type));
      }
      const lastUpdated = String(req.query._lastUpdated ?? '');
      if (lastUpdated.startsWith('ge')) {
        const since = Date.parse(lastUpdated.slice(2));
        resources = resources.filter((r) => !r.meta?.lastUpdated || Date.parse(r.meta.lastUpdated) >= since);
      }
      const count = Math.min(Math.max(Number(req.query._count) || 50, 1), 1000);
      const offset = Math.max(Number(req.query._offset) || 0, 0);
      return searchset(
        baseUrl,
        req,
        resources.slice(offset, offset + count),
        resources.length,
        offset + count < resources.length ? offset + count : undefined,
      );
    });
  });

  app.use((_req, res) => {
    res
      .status(404)
      .type(FHIR_JSON)
      .send(JSON.stringify(outcome('not-found', 'Not found')));
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(s),
    );
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}/fhir`;
  return {
    baseUrl,
    port,
    requests,
    lastRequestId: () => lastRequestId,
    setFault: (next) => {
      rule = next;
    },
    setLatency: (next) => {
      latency = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function searchset(
  baseUrl: string,
  req: Request,
  resources: readonly Resource[],
  total: number,
  nextOffset?: number,
): Bundle {
  const self = new URL(`${baseUrl}${req.path.replace(/^\/fhir/, '')}`);
  for (const [name, value] of Object.entries(req.query))
    if (typeof value === 'string') self.searchParams.set(name, value);
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
    entry: resources.map((resource) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** A resource of the same type belonging to someone else in this node: what a buggy source might send. */
function otherPatientResources(dataset: NodeDataset, localId: string, type: string): Resource[] {
  for (const [otherId, record] of dataset.records as ReadonlyMap<string, NodeRecord>) {
    if (otherId === localId || !isRecordResourceType(type)) continue;
    const found = record.resources.find((r) => r.resourceType === type);
    if (found && PATIENT_REFERENCE_PATH[type]) return [found];
  }
  return [];
}

function outcome(code: string, text: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  } as Resource;
}
