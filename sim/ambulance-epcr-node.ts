import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { EpcrPatient, Incident, IncidentPage, PatientSearchResponse } from './ambulance-epcr/epcr-wire';
import { epcrErrorBody } from './ambulance-epcr/epcr-errors';
import { epcrPatientFromR4 } from './ambulance-epcr/epcr-patient-from-r4';
import { decodeCursor, encodeCursor } from './ambulance-epcr/incident-cursor';
import { incidentsFromR4 } from './ambulance-epcr/incidents-from-r4';
import type { NodeDataset } from './population/types';
import { createSimNodeBase, type RunningSimNode } from './sim-node-base';

export type { RunningSimNode } from './sim-node-base';

export interface AmbulanceEpcrNodeOptions {
  readonly dataset: NodeDataset;
  /** When set, every API request must carry it as X-API-Key (401 otherwise). */
  readonly apiKey?: string;
  /** Added before every answer: a fixed delay or a function drawing one. */
  readonly latencyMs?: number | (() => number);
  /** Repeated requests are answered from the body first produced for them (benchmarks). */
  readonly cacheAnswers?: boolean;
  readonly port?: number;
  readonly host?: string;
}

/** The node's base path; the API's own paths (`/v1/...`) follow it. */
export const EPCR_BASE_PATH = '/epcr';
const JSON_TYPE = 'application/json; charset=utf-8';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

interface EpcrRecord {
  readonly patient: EpcrPatient;
  readonly incidents: readonly Incident[];
}

type Answer = { status?: number; body: unknown };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function keyAccepted(expected: string | undefined, req: Request): boolean {
  if (!expected) return true;
  const given = req.get('x-api-key');
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

function failure(status: number, message?: string): Answer {
  return { status, body: epcrErrorBody(status, message) };
}

/**
 * A simulated ambulance trust ePCR API (see adapters/ambulance-epcr/epcr-schema.ts) serving the
 * population's ambulance records, converted once at start into ePCR patients and incidents.
 */
export async function startAmbulanceEpcrNode(options: AmbulanceEpcrNodeOptions): Promise<RunningSimNode> {
  const records = new Map<string, EpcrRecord>();
  for (const [localId, record] of options.dataset.records) {
    records.set(localId, {
      patient: epcrPatientFromR4(localId, record.patient),
      incidents: incidentsFromR4(record),
    });
  }
  const someoneElse = (localId: string): EpcrRecord | undefined =>
    [...records.entries()].find(([id, r]) => id !== localId && r.incidents.length > 0)?.[1];

  const base = createSimNodeBase({
    contentType: JSON_TYPE,
    errorBody: (status) => epcrErrorBody(status),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.cacheAnswers ? { cacheAnswers: true } : {}),
  });
  const { app } = base;

  app.get(`${EPCR_BASE_PATH}/v1/patients`, (req, res) =>
    base.answer(req, res, 'patient', (fault): Answer => {
      if (!keyAccepted(options.apiKey, req)) return failure(401);
      const nhsNumber = typeof req.query.nhsNumber === 'string' ? req.query.nhsNumber : '';
      if (!/^\d{10}$/.test(nhsNumber)) return failure(400, 'nhsNumber must be 10 digits');
      const localId = options.dataset.localIdByNhs.get(nhsNumber);
      const record = localId ? records.get(localId) : undefined;
      if (!record || !localId) return { body: { patients: [] } satisfies PatientSearchResponse };
      const patient =
        fault?.kind === 'wrong-patient' ? (someoneElse(localId)?.patient ?? record.patient) : record.patient;
      return { body: { patients: [patient] } satisfies PatientSearchResponse };
    }),
  );

  app.get(`${EPCR_BASE_PATH}/v1/patients/:patientId/incidents`, (req, res) =>
    base.answer(req, res, 'search', (fault): Answer => {
      if (!keyAccepted(options.apiKey, req)) return failure(401);
      const patientId = String(req.params.patientId);
      const record = records.get(patientId);
      if (!record) return failure(404);
      const from = typeof req.query.from === 'string' ? req.query.from : '';
      if (from && Number.isNaN(Date.parse(from))) return failure(400, 'from must be an ISO instant');
      const asked = req.query.limit === undefined ? DEFAULT_LIMIT : Number(req.query.limit);
      if (!Number.isInteger(asked) || asked < 1) return failure(400, 'limit must be a positive integer');
      // Larger pages are served at the maximum, as the trust's API does, rather than refused.
      const limit = Math.min(asked, MAX_LIMIT);
      const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
      const offset = cursor === undefined ? 0 : decodeCursor(cursor, { patientId, from });
      if (offset === undefined) return failure(400, 'cursor is not valid for this search');

      let incidents = record.incidents;
      if (fault?.kind === 'other-patient')
        incidents = incidents.concat(someoneElse(patientId)?.incidents.slice(0, 1) ?? []);
      if (from)
        incidents = incidents.filter((incident) => Date.parse(incident.lastUpdated) >= Date.parse(from));
      const next = offset + limit < incidents.length ? offset + limit : undefined;
      const page: IncidentPage = {
        incidents: incidents.slice(offset, offset + limit),
        ...(next !== undefined ? { nextCursor: encodeCursor({ patientId, from, offset: next }) } : {}),
      };
      return { body: page };
    }),
  );

  app.use((_req, res) => {
    res
      .status(404)
      .type(JSON_TYPE)
      .send(JSON.stringify(epcrErrorBody(404, 'No such endpoint')));
  });

  return base.listen({
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host ? { host: options.host } : {}),
    path: EPCR_BASE_PATH,
  });
}
