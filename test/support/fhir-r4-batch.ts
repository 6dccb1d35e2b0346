import type { Resource } from '@medplum/fhirtypes';
import type { PatientQuery, SourceOutcome, FhirSearchBy } from '../../core/source-contract';
import { FhirR4Adapter } from '../../adapters/fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';

/* Shared by the FHIR R4 batch tests: a query for the rich patient, adapters closed after each test. */

export const RICH = DEMO_NHS_NUMBERS.rich;

export function query(
  resourceTypes: readonly RecordResourceType[],
  overrides: Partial<PatientQuery> = {},
): PatientQuery {
  return {
    queryId: 'batch-test',
    nhsNumber: RICH,
    resourceTypes,
    requester: { userId: 'u1', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
    deadline: Date.now() + 5000,
    chain: [],
    ...overrides,
  };
}

export const ctx = (): { signal: AbortSignal; trace: { requestId: string } } => ({
  signal: AbortSignal.timeout(5000),
  trace: { requestId: 'req-batch-1' },
});

/** The adapters a test made: `closeAdapters` in an afterEach closes them. */
const adapters: FhirR4Adapter[] = [];
export async function closeAdapters(): Promise<void> {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
}

export function adapterFor(
  baseUrl: string,
  options: {
    searchBy: FhirSearchBy;
    supplies: readonly RecordResourceType[];
    maxPages?: number;
    pageSize?: number;
  },
): FhirR4Adapter {
  const adapter = new FhirR4Adapter({
    source: {
      id: 'trust',
      kind: 'fhir-r4',
      name: 'Riverside',
      odsCode: 'R1X',
      baseUrl,
      supplies: options.supplies,
    },
    client: new SourceHttpClient({
      maxSockets: 8,
      maxResponseBytes: 4 * 1024 * 1024,
      userAgent: 'batch-test',
    }),
    maxPages: options.maxPages ?? 10,
    pageSize: options.pageSize ?? 100,
    searchBy: options.searchBy,
    onFault: (error) => {
      throw error;
    },
  });
  adapters.push(adapter);
  return adapter;
}

export function ok(outcome: SourceOutcome): Extract<SourceOutcome, { status: 'ok' }> {
  if (outcome.status !== 'ok')
    throw new Error(`expected ok, got ${outcome.status}: ${JSON.stringify(outcome)}`);
  return outcome;
}

export const keyOf = (r: Resource): string => `${r.resourceType}/${r.id}`;
export const sorted = (resources: readonly Resource[]): Resource[] =>
  [...resources].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

/** The outcome without its timing, to compare two calls. */
export function comparable(outcome: SourceOutcome): unknown {
  const { durationMs: _d, ...rest } = outcome;
  return rest.status === 'ok'
    ? { ...rest, record: { ...rest.record, resources: sorted(rest.record.resources) } }
    : rest;
}
