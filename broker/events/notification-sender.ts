import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Bundle } from '@medplum/fhirtypes';
import { SIGNATURE_HEADER, signDetached } from '../../core/events/detached-jws';
import type { SigningKey } from '../../core/trust/signing-key';
import { EndpointRefused, type CheckedEndpoint, type EndpointPolicy } from './endpoint-policy';

/** The header naming a notification, stable across retries: a receiver drops what it has already had. */
export const IDEMPOTENCY_HEADER = 'X-Hie-Notification-Id';

export const SEND_OUTCOMES = [
  'delivered',
  'timeout',
  'transport',
  'http-4xx',
  'http-5xx',
  'http-other',
  // The endpoint's host is not (or no longer) allowed: see EndpointPolicy.
  'refused',
] as const;
export type SendOutcome = (typeof SEND_OUTCOMES)[number];

export interface SendResult {
  readonly outcome: SendOutcome;
  readonly status?: number;
}

/**
 * POSTs a notification Bundle to a subscriber's rest-hook endpoint, signed with the broker's key as a
 * detached JWS over the exact bytes sent. Never throws: every failure is a value, for the audit and
 * the retry decision. The endpoint is checked by the EndpointPolicy before each send and the connection
 * goes to the address checked (no second DNS lookup); redirects are not followed (a 3xx is a failure).
 */
export class NotificationSender {
  // Kept-alive connections: each was opened to an address the policy checked.
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 8 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 8 }),
  };

  constructor(
    private readonly options: {
      readonly key: SigningKey;
      readonly timeoutMs: number;
      readonly userAgent: string;
      readonly endpoints: EndpointPolicy;
    },
  ) {}

  async send(
    endpoint: string,
    bundle: Bundle,
    idempotencyKey: string,
    timeoutMs?: number,
  ): Promise<SendResult> {
    let checked: CheckedEndpoint;
    try {
      checked = await this.options.endpoints.check(endpoint);
    } catch (error) {
      if (error instanceof EndpointRefused) return { outcome: 'refused' };
      return { outcome: 'transport' };
    }
    const body = JSON.stringify(bundle);
    const signature = await signDetached(body, this.options.key);
    try {
      const status = await post(checked, {
        agent: checked.url.protocol === 'https:' ? this.agents.https : this.agents.http,
        body,
        timeoutMs: timeoutMs ?? this.options.timeoutMs,
        headers: {
          'content-type': 'application/fhir+json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': this.options.userAgent,
          [SIGNATURE_HEADER]: signature,
          [IDEMPOTENCY_HEADER]: idempotencyKey,
        },
      });
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      return { outcome: status >= 500 ? 'http-5xx' : status >= 400 ? 'http-4xx' : 'http-other', status };
    } catch (error) {
      return { outcome: error instanceof SendTimeout ? 'timeout' : 'transport' };
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

class SendTimeout extends Error {
  constructor() {
    super('The subscriber did not answer in time');
    this.name = 'SendTimeout';
  }
}

/** One POST to the checked address (TLS still verifies the certificate against the URL's host name). */
function post(
  endpoint: CheckedEndpoint,
  options: { agent: HttpAgent; body: string; timeoutMs: number; headers: Record<string, string> },
): Promise<number> {
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: endpoint.address, family: endpoint.family },
      ]);
    else callback(null, endpoint.address, endpoint.family);
  };
  const request = endpoint.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(endpoint.url, {
      method: 'POST',
      headers: options.headers,
      lookup: pinned,
      agent: options.agent,
    });
    const timer = setTimeout(() => req.destroy(new SendTimeout()), options.timeoutMs);
    req.on('response', (response: IncomingMessage) => {
      clearTimeout(timer);
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}
