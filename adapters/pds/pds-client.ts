import { randomUUID } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import type { SourceIssue, TraceContext } from '../../core/source-contract';
import type { SmartBackendAuth } from '../auth/smart-backend-auth';
import type { SourceHttpClient } from '../http/source-http-client';
import { adapterFault, UpstreamFailure, upstreamError } from '../upstream-failure';
import { pdsSearchParams, type PdsSearch } from './pds-search';
import { asPatient, pdsErrorCode, pdsPatientSchema, pdsSearchsetSchema } from './pds-wire';

/** PDS could not answer: it timed out, failed, or refused the broker (the issue says which, never the patient). */
export interface PdsUnavailable {
  readonly status: 'timeout' | 'error' | 'rejected';
  readonly issue: SourceIssue;
  readonly durationMs: number;
}

export type PdsReadOutcome =
  | {
      readonly status: 'ok';
      readonly patient: Patient;
      /** The patient's current NHS number (PDS's id): differs from the one asked for when that was superseded. */
      readonly nhsNumber: string;
      readonly durationMs: number;
    }
  | { readonly status: 'not-found'; readonly durationMs: number }
  | PdsUnavailable;

export interface PdsMatch {
  readonly patient: Patient;
  readonly score: number;
}

export type PdsSearchOutcome =
  | { readonly status: 'ok'; readonly matches: readonly PdsMatch[]; readonly durationMs: number }
  | { readonly status: 'too-many'; readonly durationMs: number }
  | PdsUnavailable;

export interface PdsClientOptions {
  readonly baseUrl: string;
  readonly client: SourceHttpClient;
  readonly auth: SmartBackendAuth;
  readonly onFault: (error: unknown) => void;
}

export interface PdsCallContext {
  readonly signal: AbortSignal;
  readonly deadline?: number;
  readonly trace: TraceContext;
}

/** Statuses whose OperationOutcome says what PDS meant. */
const READ_PASS = [400, 404];
const SEARCH_PASS = [400];

/**
 * The Personal Demographics Service's FHIR R4 API, application-restricted: reads a patient by NHS
 * number and searches by demographics. Every request carries a fresh X-Request-ID (PDS refuses a
 * repeated one) and the view's request id as X-Correlation-ID. Resolves for every upstream failure.
 */
export class PdsClient {
  constructor(private readonly options: PdsClientOptions) {}

  async read(nhsNumber: string, ctx: PdsCallContext): Promise<PdsReadOutcome> {
    return this.settle(ctx, async () => {
      const { status, body } = await this.get(`/Patient/${nhsNumber}`, READ_PASS, ctx);
      if (status === 404) {
        const code = pdsErrorCode(body);
        if (code === 'RESOURCE_NOT_FOUND' || code === 'INVALIDATED_RESOURCE') return { status: 'not-found' };
        throw upstreamError('http-404', 'answered 404 without saying the patient is unknown', 'not-found');
      }
      if (status === 400) throw invalidRequest(body);
      const parsed = pdsPatientSchema.safeParse(body);
      if (!parsed.success)
        throw upstreamError(
          'invalid-patient',
          'answered with something that is not a PDS Patient',
          'structure',
        );
      return { status: 'ok', patient: asPatient(parsed.data), nhsNumber: parsed.data.id };
    });
  }

  async search(search: PdsSearch, ctx: PdsCallContext): Promise<PdsSearchOutcome> {
    return this.settle(ctx, async () => {
      const { status, body } = await this.get(`/Patient?${pdsSearchParams(search)}`, SEARCH_PASS, ctx);
      if (
        status === 400 ||
        body === null ||
        (body as { resourceType?: unknown }).resourceType === 'OperationOutcome'
      ) {
        if (pdsErrorCode(body) === 'TOO_MANY_MATCHES') return { status: 'too-many' };
        throw invalidRequest(body);
      }
      const parsed = pdsSearchsetSchema.safeParse(body);
      if (!parsed.success)
        throw upstreamError(
          'invalid-searchset',
          'answered the search with something that is not a searchset',
          'structure',
        );
      return {
        status: 'ok',
        matches: parsed.data.entry.map((e) => ({ patient: asPatient(e.resource), score: e.search.score })),
      };
    });
  }

  async close(): Promise<void> {
    await this.options.client.close();
  }

  private async get(
    path: string,
    passStatuses: readonly number[],
    ctx: PdsCallContext,
  ): Promise<{ status: number; body: unknown }> {
    const send = async (): Promise<{ status: number; body: unknown }> =>
      this.options.client.requestJson({
        method: 'GET',
        url: `${this.options.baseUrl}${path}`,
        headers: {
          Authorization: await this.options.auth.authorization(ctx),
          'X-Request-ID': randomUUID(),
          'X-Correlation-ID': ctx.trace.requestId,
        },
        passStatuses,
        signal: ctx.signal,
        deadline: ctx.deadline,
        trace: ctx.trace,
      });
    try {
      return await send();
    } catch (error) {
      // A token PDS no longer accepts (revoked, or it restarted): one more try with a fresh one.
      if (error instanceof UpstreamFailure && error.issue.reason === 'http-401') {
        this.options.auth.invalidate();
        return send();
      }
      throw error;
    }
  }

  private async settle<T extends { status: string }>(
    ctx: PdsCallContext,
    work: () => Promise<T>,
  ): Promise<(T & { durationMs: number }) | PdsUnavailable> {
    const started = performance.now();
    const durationMs = (): number => Math.round(performance.now() - started);
    try {
      const result = await work();
      if (ctx.signal.aborted) return { status: 'timeout', issue: TIMEOUT, durationMs: durationMs() };
      return { ...result, durationMs: durationMs() };
    } catch (error) {
      let failure: UpstreamFailure;
      if (error instanceof UpstreamFailure) failure = error;
      else {
        this.options.onFault(error);
        failure = adapterFault(error);
      }
      if (failure.status === 'timeout' || ctx.signal.aborted)
        return { status: 'timeout', issue: TIMEOUT, durationMs: durationMs() };
      return { status: failure.status, issue: failure.issue, durationMs: durationMs() };
    }
  }
}

const TIMEOUT: SourceIssue = {
  severity: 'error',
  code: 'timeout',
  reason: 'timeout',
  text: 'did not answer in time',
};

/** A 400 from PDS: the broker sent something PDS does not accept (its code names what). */
function invalidRequest(body: unknown): UpstreamFailure {
  const code = pdsErrorCode(body);
  return new UpstreamFailure('rejected', {
    severity: 'error',
    code: 'invalid',
    reason: code ? `pds-${code.toLowerCase().replace(/_/g, '-')}` : 'http-400',
    text: `refused the request as invalid${code ? ` (${code})` : ''}`,
  });
}
