import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { SigningKey } from '../../core/trust/signing-key';
import type { TraceContext } from '../../core/source-contract';
import type { SourceHttpClient } from '../http/source-http-client';
import { UpstreamFailure, upstreamError } from '../upstream-failure';

export interface SmartBackendAuthOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly scope: string;
  readonly key: SigningKey;
  readonly client: SourceHttpClient;
  /** Tokens are renewed this long before they expire. */
  readonly renewBeforeMs?: number;
  /** The token request's own limit: it is shared by concurrent views, so no one view's deadline bounds it. */
  readonly tokenTimeoutMs?: number;
  readonly now?: () => number;
}

const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive().optional(),
});

interface CachedToken {
  readonly value: string;
  readonly renewAt: number;
}

/**
 * SMART Backend Services (OAuth2 client credentials with a private_key_jwt assertion): an access
 * token per source, cached until shortly before it expires; concurrent views share one token
 * request. The assertion is signed with the broker's key, whose public half the source reads from
 * the broker's JWKS.
 */
export class SmartBackendAuth {
  private cached: CachedToken | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: SmartBackendAuthOptions) {}

  /** The Authorization header value for a request to the source. */
  async authorization(ctx: { signal: AbortSignal; trace: TraceContext }): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now < this.cached.renewAt) return `Bearer ${this.cached.value}`;
    // Waiting on a shared request must still honour this view's own deadline.
    const tokenTimeoutMs = this.options.tokenTimeoutMs ?? 10_000;
    this.pending ??= this.requestToken({
      signal: AbortSignal.timeout(tokenTimeoutMs),
      deadline: Date.now() + tokenTimeoutMs,
      trace: ctx.trace,
    }).finally(() => {
      this.pending = undefined;
    });
    return `Bearer ${await abortable(this.pending, ctx.signal)}`;
  }

  /** Forgets the token, after the source refused it (a 401): the next request gets a new one. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async requestToken(ctx: {
    signal: AbortSignal;
    deadline: number;
    trace: TraceContext;
  }): Promise<string> {
    const { tokenUrl, clientId, key } = this.options;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(key.privateKey);
    let body: unknown;
    try {
      ({ body } = await this.options.client.requestJson({
        method: 'POST',
        url: tokenUrl,
        accept: 'application/json',
        form: {
          grant_type: 'client_credentials',
          scope: this.options.scope,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        },
        signal: ctx.signal,
        deadline: ctx.deadline,
        trace: ctx.trace,
      }));
    } catch (error) {
      if (error instanceof UpstreamFailure && error.status !== 'timeout') {
        throw new UpstreamFailure(
          error.status === 'rejected' ? 'rejected' : 'error',
          {
            ...error.issue,
            reason: `token-${error.issue.reason}`,
            text: `refused the broker an access token: ${error.issue.text}`,
          },
          { cause: error },
        );
      }
      throw error;
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success)
      throw upstreamError(
        'token-invalid-response',
        'answered the token request with something that is not a token',
        'structure',
      );
    const lifetimeMs = (parsed.data.expires_in ?? 300) * 1000;
    const renewBefore = Math.min(this.options.renewBeforeMs ?? 30_000, lifetimeMs / 2);
    this.cached = {
      value: parsed.data.access_token,
      renewAt: (this.options.now ?? Date.now)() + lifetimeMs - renewBefore,
    };
    return parsed.data.access_token;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutFailure());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timeoutFailure());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function timeoutFailure(): UpstreamFailure {
  return new UpstreamFailure('timeout', {
    severity: 'error',
    code: 'timeout',
    reason: 'timeout',
    text: 'did not answer in time',
  });
}
