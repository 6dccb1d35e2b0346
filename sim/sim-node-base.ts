import express, { type Express, type Request, type Response } from 'express';
import { answerWithFault, faultFor, listenNode, type SimFault, type SimFaultRule } from './sim-faults';

/** What every simulated node offers its tests and benchmarks, whatever protocol it speaks. */
export interface RunningSimNode {
  /** The node's base URL, e.g. http://127.0.0.1:41234/fhir */
  readonly baseUrl: string;
  readonly port: number;
  /** Requests served so far, by kind. */
  readonly requests: { patient: number; search: number };
  /** The X-Request-Id of the last request, to check that the broker carries it upstream. */
  lastRequestId(): string | undefined;
  /** The headers of the last request to the node's API (for protocol checks such as GP Connect's). */
  lastHeaders(): Readonly<Record<string, string | string[] | undefined>>;
  /** Requests whose client went away (closed or aborted the request) before the node had finished answering. */
  abandoned(): number;
  setFault(rule: SimFaultRule | null): void;
  setLatency(latencyMs: number | (() => number)): void;
  close(): Promise<void>;
}

export interface SimNodeBaseOptions {
  readonly latencyMs?: number | (() => number);
  /**
   * Serve a repeated request (same method, URL and body) from the 200 answer first produced for it, when
   * no fault applies: a benchmark's nodes then cost little CPU, as nodes on other machines would. A
   * cached answer skips the checks `produce` makes (headers, API key), so this is for benchmarks whose
   * only client is the broker, never for protocol tests.
   */
  readonly cacheAnswers?: boolean;
  /** How this protocol writes its bodies and its errors, for the faults that answer. */
  readonly contentType: string;
  readonly errorBody: (status: number) => unknown;
}

export interface SimNodeBase {
  readonly app: Express;
  /**
   * Serves one protocol request: counts it, waits the node's latency, acts out a transport fault
   * if one applies, else sends `produce(fault)`'s body (content faults are the producer's to act out).
   */
  answer(
    req: Request,
    res: Response,
    kind: 'patient' | 'search',
    produce: (
      fault: SimFault | null,
    ) => { status?: number; body: unknown } | Promise<{ status?: number; body: unknown }>,
  ): Promise<void>;
  /** Listens and returns the node's handle; `path` is appended to the origin for `baseUrl`. */
  listen(options: { port?: number; host?: string; path: string }): Promise<RunningSimNode>;
}

export function createSimNodeBase(options: SimNodeBaseOptions): SimNodeBase {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  let latency = options.latencyMs ?? 0;
  let rule: SimFaultRule | null = null;
  /** How many more requests the rule applies to, when it has `times`. */
  let remaining = Infinity;
  let abandoned = 0;
  const requests = { patient: 0, search: 0 };
  let lastRequestId: string | undefined;
  let lastHeaders: Record<string, string | string[] | undefined> = {};
  const answers = new Map<string, { status: number; body: Buffer }>();
  /** Enough for a benchmark's few patients; a cache that grows past it starts again. */
  const MAX_CACHED = 5000;

  const delay = (): Promise<void> => {
    const ms = typeof latency === 'function' ? latency() : latency;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  };

  return {
    app,
    async answer(req, res, kind, produce) {
      requests[kind]++;
      lastRequestId = req.get('x-request-id');
      lastHeaders = { ...req.headers };
      let resetByNode = false;
      res.once('close', () => {
        if (!res.writableFinished && !resetByNode) abandoned++;
      });
      await delay();
      const fault = faultFor(rule, kind);
      if (fault && --remaining <= 0) rule = null;
      resetByNode = fault?.kind === 'reset';
      if (fault && (await answerWithFault(fault, res, options))) return;
      const key =
        options.cacheAnswers && !fault
          ? `${kind} ${req.method} ${req.originalUrl} ${req.body ? JSON.stringify(req.body) : ''}`
          : undefined;
      let answer = key === undefined ? undefined : answers.get(key);
      if (!answer) {
        const { status, body } = await produce(fault);
        // Bytes, not a string: a cached answer is then written without being encoded again.
        answer = { status: status ?? 200, body: Buffer.from(JSON.stringify(body)) };
        if (key !== undefined && answer.status === 200) {
          if (answers.size >= MAX_CACHED) answers.clear();
          answers.set(key, answer);
        }
      }
      res.status(answer.status).type(options.contentType).send(answer.body);
    },
    async listen({ port, host, path }) {
      const server = await listenNode(app, {
        ...(port !== undefined ? { port } : {}),
        ...(host ? { host } : {}),
      });
      return {
        baseUrl: `http://${server.host}:${server.port}${path}`,
        port: server.port,
        requests,
        lastRequestId: () => lastRequestId,
        lastHeaders: () => lastHeaders,
        abandoned: () => abandoned,
        setFault: (next) => {
          rule = next;
          remaining = next?.times ?? Infinity;
        },
        setLatency: (next) => {
          latency = next;
        },
        close: server.close,
      };
    },
  };
}
