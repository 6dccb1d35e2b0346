import type { Bundle } from '@medplum/fhirtypes';
import { SIGNATURE_HEADER, signDetached } from '../../core/events/detached-jws';
import type { SigningKey } from '../../core/trust/signing-key';

/** The header naming a notification, stable across retries: a receiver drops what it has already had. */
export const IDEMPOTENCY_HEADER = 'X-Hie-Notification-Id';

export const SEND_OUTCOMES = [
  'delivered',
  'timeout',
  'transport',
  'http-4xx',
  'http-5xx',
  'http-other',
] as const;
export type SendOutcome = (typeof SEND_OUTCOMES)[number];

export interface SendResult {
  readonly outcome: SendOutcome;
  readonly status?: number;
}

/**
 * POSTs a notification Bundle to a subscriber's rest-hook endpoint, signed with the broker's key as a
 * detached JWS over the exact bytes sent. Never throws: every failure is a value, for the audit and
 * the retry decision. Redirects are not followed (the endpoint is the one the subscription names).
 */
export class NotificationSender {
  constructor(
    private readonly options: {
      readonly key: SigningKey;
      readonly timeoutMs: number;
      readonly userAgent: string;
    },
  ) {}

  async send(
    endpoint: string,
    bundle: Bundle,
    idempotencyKey: string,
    timeoutMs?: number,
  ): Promise<SendResult> {
    const body = JSON.stringify(bundle);
    const signature = await signDetached(body, this.options.key);
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs ?? this.options.timeoutMs),
        headers: {
          'content-type': 'application/fhir+json',
          'user-agent': this.options.userAgent,
          [SIGNATURE_HEADER]: signature,
          [IDEMPOTENCY_HEADER]: idempotencyKey,
        },
        body,
      });
      await response.body?.cancel();
      const status = response.status;
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      return { outcome: status >= 500 ? 'http-5xx' : status >= 400 ? 'http-4xx' : 'http-other', status };
    } catch (error) {
      const name = (error as { name?: string }).name;
      return { outcome: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'transport' };
    }
  }
}
