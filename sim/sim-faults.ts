import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Express, Response } from 'express';

/** Ways a simulated node can misbehave, for tests and benchmarks of the broker's resilience. */
export type SimFault =
  /** Accepts the request and never answers. */
  | { readonly kind: 'hang' }
  /** Answers with this HTTP status and an error body in the node's protocol (and Retry-After, if given). */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  /** Answers 200 with a body that is not JSON. */
  | { readonly kind: 'malformed-json' }
  /** Answers 200 with an HTML page. */
  | { readonly kind: 'wrong-content-type' }
  /** Answers 200 with JSON of the wrong shape (a FHIR Patient where a Bundle or record belongs). */
  | { readonly kind: 'wrong-resource-type' }
  /** Answers 302 to another address. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** Destroys the connection without answering. */
  | { readonly kind: 'reset' }
  /** Sends a body a character at a time, `intervalMs` apart. */
  | { readonly kind: 'slow-body'; readonly intervalMs: number }
  /** Pads the body past this many bytes. */
  | { readonly kind: 'oversized'; readonly bytes: number }
  /** Answers 200 with a small gzip body (Content-Encoding: gzip) that inflates to this many bytes. */
  | { readonly kind: 'gzip-bomb'; readonly inflatedBytes: number }
  /** Adds another patient's clinical items to the searched patient's record. */
  | { readonly kind: 'other-patient' }
  /** Answers the patient lookup with a different person (another NHS number). */
  | { readonly kind: 'wrong-patient' }
  /** Answers the patient lookup with the right NHS number but a different date of birth (a mixed-up record). */
  | { readonly kind: 'demographics-mismatch' };

export interface SimFaultRule {
  readonly fault: SimFault;
  /** Which requests it applies to: patient lookups, clinical searches, or both. Default: all. */
  readonly on?: 'all' | 'patient' | 'search';
  /** Applies to this many of those requests, then the node behaves again. Default: every one. */
  readonly times?: number;
}

const bombs = new Map<number, Buffer>();

/** A gzip body of a JSON prefix and then blanks, inflating to `bytes`; made once per size (it compresses ~1000:1). */
function gzipBomb(bytes: number): Buffer {
  let bomb = bombs.get(bytes);
  if (!bomb) {
    const prefix = Buffer.from('{"resourceType":"Bundle","type":"searchset","padding":"');
    bomb = gzipSync(Buffer.concat([prefix, Buffer.alloc(Math.max(0, bytes - prefix.length), 0x20)]), {
      level: 9,
    });
    bombs.set(bytes, bomb);
  }
  return bomb;
}

/** The fault of a rule if it applies to this kind of request. */
export function faultFor(rule: SimFaultRule | null, kind: 'patient' | 'search'): SimFault | null {
  if (!rule) return null;
  const on = rule.on ?? 'all';
  return on === 'all' || on === kind ? rule.fault : null;
}

/**
 * Answers with a transport-level fault, the same way for every protocol. Returns false for the
 * faults that are about content (`other-patient`, `wrong-patient`, `demographics-mismatch`), which
 * each node acts out itself (only the FHIR R4 node acts out `demographics-mismatch` so far).
 */
export async function answerWithFault(
  fault: SimFault,
  res: Response,
  protocol: { contentType: string; errorBody: (status: number) => unknown },
): Promise<boolean> {
  switch (fault.kind) {
    case 'hang':
      return true;
    case 'status':
      if (fault.retryAfter !== undefined) res.set('Retry-After', fault.retryAfter);
      res
        .status(fault.status)
        .type(protocol.contentType)
        .send(JSON.stringify(protocol.errorBody(fault.status)));
      return true;
    case 'malformed-json':
      res.status(200).type(protocol.contentType).send('{"resourceType":"Bundle","entry":[{');
      return true;
    case 'wrong-content-type':
      res.status(200).type('text/html').send('<html><body>Service temporarily unavailable</body></html>');
      return true;
    case 'wrong-resource-type':
      res
        .status(200)
        .type(protocol.contentType)
        .send(JSON.stringify({ resourceType: 'Patient', id: 'x' }));
      return true;
    case 'redirect':
      res.redirect(302, fault.location);
      return true;
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'slow-body': {
      res.status(200).type(protocol.contentType);
      res.flushHeaders();
      for (const char of JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] })) {
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
        .type(protocol.contentType)
        .send(
          JSON.stringify({ resourceType: 'Bundle', type: 'searchset', padding: 'x'.repeat(fault.bytes) }),
        );
      return true;
    case 'gzip-bomb':
      res
        .status(200)
        .type(protocol.contentType)
        .set('Content-Encoding', 'gzip')
        .send(gzipBomb(fault.inflatedBytes));
      return true;
    case 'other-patient':
    case 'wrong-patient':
    case 'demographics-mismatch':
      return false;
  }
}

/** A node's HTTP server on its port (0: any free one); `close` also ends hung and keep-alive connections. */
export async function listenNode(
  app: Express,
  options: { port?: number; host?: string },
): Promise<{ port: number; host: string; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
