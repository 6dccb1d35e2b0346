import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Bundle, Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';
import { SIGNATURE_HEADER, verifyDetached } from '../core/events/detached-jws';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';

/** What the ED made of one notification it accepted. */
export interface ReceivedNotification {
  readonly notificationId: string;
  readonly type: string;
  readonly receivedAt: number;
  readonly eventsSinceStart: number;
  readonly events: readonly {
    readonly eventNumber: number;
    /** When the event happened, as its source said. */
    readonly timestamp?: string;
    readonly code?: string;
    readonly nhsNumber?: string;
    readonly focus?: string;
    readonly source?: string;
    readonly eta?: string;
  }[];
}

/**
 * A simulated emergency department's notification endpoint (a rest-hook): it verifies each
 * notification's detached signature against the broker's JWKS (refusing 401 what does not verify),
 * drops repeats by the notification id, and lists what it received (GET /notifications). Faults: fail the next n, or be down.
 */
export class ReceivingEd {
  readonly received: ReceivedNotification[] = [];
  /** The exact text of each notification accepted, as sent (to check what it does not say). */
  readonly bodies: string[] = [];
  /** Every POST, accepted or not (attempts as the subscriber saw them). */
  posts = 0;
  rejectedSignatures = 0;
  private failures = 0;
  private down = false;
  private delayMs = 0;
  private readonly seen = new Set<string>();
  private keys: JWTVerifyGetKey;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    brokerJwksUrl: string,
  ) {
    this.keys = createRemoteJWKSet(new URL(brokerJwksUrl));
  }

  static async start(brokerJwksUrl: string, port = 0): Promise<ReceivingEd> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`;
    const ed = new ReceivingEd(server, endpoint, brokerJwksUrl);
    server.on('request', (req, res) => {
      if (req.method === 'GET' && req.url === '/notifications') {
        res.setHeader('content-type', 'application/json').end(JSON.stringify(ed.received, null, 2));
        return;
      }
      void ed.handle(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
    return ed;
  }

  /** Verify against this JWKS from now on (the broker moved, or rotated its key). */
  trustBroker(brokerJwksUrl: string): void {
    this.keys = createRemoteJWKSet(new URL(brokerJwksUrl));
  }

  /** The next `n` notifications fail with 503. */
  failNext(n: number): void {
    this.failures = n;
  }

  /** Every notification fails with 503 (true) or is accepted again (false). */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** Each answer waits this long (a slow subscriber). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  eventNotifications(): ReceivedNotification[] {
    return this.received.filter((n) => n.type === 'event-notification');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST') return 405;
    this.posts += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.down) return 503;
    if (this.failures > 0) {
      this.failures -= 1;
      return 503;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
    if (typeof signature !== 'string' || !(await verifyDetached(body, signature, this.keys))) {
      this.rejectedSignatures += 1;
      return 401;
    }
    const id = String(req.headers['x-hie-notification-id'] ?? '');
    if (this.seen.has(id)) return 200;
    this.seen.add(id);
    this.bodies.push(body);
    this.received.push(readNotification(id, JSON.parse(body) as Bundle));
    return 200;
  }
}

function readNotification(notificationId: string, bundle: Bundle): ReceivedNotification {
  const status = bundle.entry?.[0]?.resource as Parameters;
  const param = (name: string): ParametersParameter | undefined =>
    status.parameter?.find((p) => p.name === name);
  const events = (status.parameter ?? [])
    .filter((p) => p.name === 'notification-event')
    .map((p) => {
      const part = (name: string): ParametersParameter[] => (p.part ?? []).filter((x) => x.name === name);
      const context = part('additional-context').map((x) => x.valueReference as Reference);
      return {
        eventNumber: Number(part('event-number')[0]?.valueString),
        timestamp: part('timestamp')[0]?.valueInstant,
        ...(p.extension?.[0]?.valueCode ? { code: p.extension[0].valueCode } : {}),
        ...(p.extension?.[1]?.valueInstant ? { eta: p.extension[1].valueInstant } : {}),
        nhsNumber: context.find((r) => r.identifier?.system === NHS_NUMBER_SYSTEM)?.identifier?.value,
        focus: part('focus')[0]?.valueReference?.reference,
        source: context.find((r) => r.type === 'Organization')?.display,
      };
    });
  return {
    notificationId,
    type: param('type')?.valueCode ?? 'unknown',
    receivedAt: Date.now(),
    eventsSinceStart: Number(param('events-since-subscription-start')?.valueString ?? 0),
    events: events.map(
      (e) =>
        Object.fromEntries(
          Object.entries(e).filter(([, v]) => v !== undefined),
        ) as ReceivedNotification['events'][number],
    ),
  };
}
