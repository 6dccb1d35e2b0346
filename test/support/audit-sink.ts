import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the sink saw it. */
export interface SinkReceipt {
  readonly method: string;
  readonly path: string;
  /** The id the delivery is idempotent by: the path's for a FHIR PUT, the Idempotency-Key for a POST. */
  readonly id: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown> | undefined;
  /** The status the sink answered (or was about to). */
  readonly status: number;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
  /** Whether the answer was written before the connection went (false: the caller died waiting). */
  answered: boolean;
}

export interface AuditSinkOptions {
  /** How long each answer takes, so that deliveries are in flight for a while. */
  readonly delayMs?: number;
  /** Each id's first n receipts are answered 503 (and not stored). */
  readonly failFirst?: number;
  /** Every request is answered with this status (and nothing stored), e.g. 400 for a misconfigured sink. */
  readonly status?: number;
}

/**
 * A sink on port 0 standing for a FHIR server (PUT /AuditEvent/{id}) or a webhook (POST with an
 * Idempotency-Key). It records every receipt and stores by id, as a real FHIR server's PUT does, so a
 * redelivery shows in `receipts` but not in `stored`. It can go down (connections refused) and come
 * back on the same port.
 */
export class AuditSink {
  readonly receipts: SinkReceipt[] = [];
  readonly stored = new Map<string, Record<string, unknown>>();
  private readonly tries = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private port = 0;

  private constructor(private readonly options: AuditSinkOptions) {}

  static async start(options: AuditSinkOptions = {}): Promise<AuditSink> {
    const sink = new AuditSink(options);
    await sink.up();
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens again (on the same port once it has one). */
  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection: deliveries are refused until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Receipts per id: more than one is a redelivery. */
  receiptsById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const receipt of this.receipts)
      if (receipt.id) counts.set(receipt.id, (counts.get(receipt.id) ?? 0) + 1);
    return counts;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const path = req.url ?? '/';
    const fhirId = /\/AuditEvent\/([^/?]+)$/.exec(path)?.[1];
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    const id = req.method === 'PUT' ? fhirId && decodeURIComponent(fhirId) : idempotencyKey;

    let status: number;
    const tried = id ? (this.tries.get(id) ?? 0) + 1 : 1;
    if (id) this.tries.set(id, tried);
    if (this.options.status) status = this.options.status;
    else if (!id || !body || body.id !== id) status = 400;
    else if (tried <= (this.options.failFirst ?? 0)) status = 503;
    else {
      status = this.stored.has(id) ? 200 : 201;
      this.stored.set(id, body);
    }
    const receipt: SinkReceipt = {
      method: req.method ?? '',
      path,
      id,
      idempotencyKey,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
      status,
      at: Date.now(),
      answered: false,
    };
    this.receipts.push(receipt);
    if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status }));
    receipt.answered = true;
  }
}
