import type { Bundle } from '@medplum/fhirtypes';
import { SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';
import type { TraceResult } from '../view/patient-trace-service';

export const NO_UNIQUE_MATCH = 'no-unique-match';

/**
 * A trace's searchset: the one matching Patient (as PDS holds them, with their NHS number as id), or
 * nothing and an OperationOutcome saying to refine the search — never a list of look-alikes.
 */
export function traceBundle(result: TraceResult, options: { baseUrl: string; selfUrl: string }): Bundle {
  const common = {
    resourceType: 'Bundle' as const,
    type: 'searchset' as const,
    timestamp: new Date().toISOString(),
    link: [{ relation: 'self', url: options.selfUrl }],
  };
  if (result.status === 'found') {
    return {
      ...common,
      total: 1,
      entry: [
        {
          fullUrl: `${options.baseUrl}/Patient/${result.patient.id}`,
          resource: result.patient,
          search: { mode: 'match', score: result.score },
        },
      ],
    };
  }
  return {
    ...common,
    total: 0,
    entry: [
      {
        resource: {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'information',
              code: 'not-found',
              details: {
                coding: [{ system: SOURCE_ISSUE_SYSTEM, code: NO_UNIQUE_MATCH }],
                text: 'No unique match: refine the search (add the given name, the postcode or the gender, or check the birth date), or search by NHS number.',
              },
            },
          ],
        },
        search: { mode: 'outcome' },
      },
    ],
  };
}
