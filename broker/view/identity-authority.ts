import type { PdsClient, PdsSearchOutcome } from '../../adapters/pds/pds-client';
import type { PdsSearch } from '../../adapters/pds/pds-search';
import type { TraceContext } from '../../core/source-contract';
import type { IdentityReference } from '../merge/demographics/identity-reference';
import { inSpan, SPAN } from '../observability/spans';

export interface IdentityAuthorityOptions {
  readonly client: PdsClient;
  /** The configured source's id and ODS code, as the audit trail names it. */
  readonly id: string;
  readonly odsCode: string;
  /** e.g. "Personal Demographics Service", as views name it. */
  readonly name: string;
  /** How long a view waits for it before falling back to the sources' majority. */
  readonly timeoutMs: number;
  /** A trace returns a patient only on one match scoring at least this. */
  readonly minScore: number;
  readonly fuzzy: boolean;
}

/** The national demographics service as the broker uses it: who the patient is, and tracing by demographics. */
export class IdentityAuthority {
  constructor(readonly options: IdentityAuthorityOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Who the authority is, as an audit entity names it. */
  get descriptor(): { readonly id: string; readonly name: string; readonly odsCode: string } {
    return { id: this.options.id, name: this.options.name, odsCode: this.options.odsCode };
  }

  /** What PDS says about this NHS number, within its own time limit and the view's deadline. */
  async confirm(nhsNumber: string, trace: TraceContext, deadline: number): Promise<IdentityReference> {
    return inSpan(SPAN.identity, { 'hie.identity.authority': this.options.name }, async (span) => {
      const limit = Math.max(1, Math.min(this.options.timeoutMs, deadline - Date.now()));
      const outcome = await this.options.client.read(nhsNumber, {
        signal: AbortSignal.timeout(limit),
        deadline: Date.now() + limit,
        trace,
      });
      span.setAttribute('hie.identity.status', outcome.status);
      const authority = this.options.name;
      switch (outcome.status) {
        case 'ok':
          return {
            status: 'confirmed',
            authority,
            patient: outcome.patient,
            ...(outcome.nhsNumber !== nhsNumber ? { supersededNumber: nhsNumber } : {}),
          };
        case 'not-found':
          return { status: 'not-found', authority };
        case 'timeout':
          return { status: 'unavailable', authority, why: 'it did not answer in time' };
        default:
          return { status: 'unavailable', authority, why: `it ${outcome.issue.text}` };
      }
    });
  }

  /** A demographic trace, asking PDS for at most two matches: one is an answer, two are not. */
  async trace(
    search: Omit<PdsSearch, 'maxResults' | 'fuzzy'>,
    trace: TraceContext,
    deadline: number,
  ): Promise<PdsSearchOutcome> {
    return inSpan(SPAN.trace, { 'hie.identity.authority': this.options.name }, async (span) => {
      const limit = Math.max(1, deadline - Date.now());
      const outcome = await this.options.client.search(
        { ...search, fuzzy: this.options.fuzzy, maxResults: 2 },
        { signal: AbortSignal.timeout(limit), deadline: Date.now() + limit, trace },
      );
      span.setAttribute('hie.trace.status', outcome.status);
      return outcome;
    });
  }
}
