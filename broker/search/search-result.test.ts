import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { GROUPED_DUPLICATE_EXTENSION_URL } from '../merge/grouping/grouped-representative';
import { parseTypeSearch } from './search-request';
import { searchBundle } from './search-result';

const statement = (id: string, status: string, extra: object = {}): Resource =>
  ({
    resourceType: 'MedicationStatement',
    id,
    status,
    subject: { reference: 'Patient/9000000009' },
    medicationCodeableConcept: { text: 'Amlodipine 5mg tablets' },
    ...extra,
  }) as Resource;

const entry = (resource: Resource, mode: 'match' | 'include' | 'outcome'): BundleEntry => ({
  fullUrl: `https://broker.test/fhir/${resource.resourceType}/${resource.id}`,
  resource,
  search: { mode },
});

/** A view where gp and acute recorded the same medication (grouped under gp's), with different statuses. */
function view(): Bundle {
  const representative = statement('gp-med-1', 'active', {
    extension: [
      {
        url: GROUPED_DUPLICATE_EXTENSION_URL,
        valueReference: { reference: 'MedicationStatement/acute-med-1' },
      },
    ],
  });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 2,
    entry: [
      entry(representative, 'match'),
      entry(statement('gp-med-2', 'stopped'), 'match'),
      entry(statement('acute-med-1', 'completed'), 'include'),
      entry({ resourceType: 'OperationOutcome', id: 'sources', issue: [] } as Resource, 'outcome'),
    ],
  };
}

const search = (query: string) =>
  searchBundle(
    view(),
    parseTypeSearch('MedicationStatement', new URLSearchParams(`patient=9000000009&${query}`)),
  );
const modes = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.search?.mode}:${e.resource?.id}`);

describe('searchBundle', () => {
  it("when a group's representative meets the criteria, then it is the match and its duplicate an include", () => {
    expect(modes(search('status=active'))).toEqual([
      'match:gp-med-1',
      'include:acute-med-1',
      'outcome:sources',
    ]);
  });

  it("when only another source's member of a group meets the criteria, then that member is the match", () => {
    const answer = search('status=completed');
    expect(modes(answer)).toEqual(['match:acute-med-1', 'outcome:sources']);
    expect(answer.total).toBe(1);
  });

  it('when nothing meets the criteria, then only the closing OperationOutcome remains, with total 0', () => {
    const answer = search('status=on-hold');
    expect(modes(answer)).toEqual(['outcome:sources']);
    expect(answer.total).toBe(0);
  });
});
