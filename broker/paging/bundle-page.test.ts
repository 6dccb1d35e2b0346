import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { bundlePage } from './bundle-page';

const entry = (resource: Resource, mode: 'match' | 'include' | 'outcome'): BundleEntry => ({
  resource,
  search: { mode },
});
const condition = (id: string, recorder?: string): Resource => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/9000000009' },
  ...(recorder ? { recorder: { reference: recorder } } : {}),
});

const bundle: Bundle = {
  resourceType: 'Bundle',
  id: 'q-1',
  type: 'searchset',
  total: 5,
  entry: [
    entry({ resourceType: 'Patient', id: '9000000009' }, 'match'),
    entry(condition('gp-c1', 'Practitioner/gp-p1'), 'match'),
    entry(condition('gp-c2'), 'match'),
    entry(condition('acute-c1', 'PractitionerRole/acute-r1'), 'match'),
    entry(condition('acute-c2'), 'match'),
    entry({ resourceType: 'Practitioner', id: 'gp-p1' }, 'include'),
    entry(
      {
        resourceType: 'PractitionerRole',
        id: 'acute-r1',
        organization: { reference: 'Organization/acute-o1' },
      },
      'include',
    ),
    entry({ resourceType: 'Organization', id: 'acute-o1' }, 'include'),
    entry({ resourceType: 'Organization', id: 'orphan' }, 'include'),
    entry(
      {
        resourceType: 'Provenance',
        id: 'prov-acute',
        recorded: '2026-01-01T00:00:00Z',
        agent: [],
        target: [{ reference: 'Condition/acute-c1' }, { reference: 'Condition/acute-c2' }],
      },
      'include',
    ),
    entry({ resourceType: 'OperationOutcome', id: 'q-1-sources', issue: [] }, 'outcome'),
  ],
};
const pageUrl = (offset: number): string => `https://b/fhir?_getpages=x&_getpagesoffset=${offset}&_count=2`;
const ids = (page: Bundle): string[] => (page.entry ?? []).map((e) => `${e.search?.mode} ${e.resource?.id}`);

describe('bundlePage', () => {
  it('when the first page is cut, then it holds its matches, what they refer to, the orphans and the outcome, with a next link', () => {
    const page = bundlePage(bundle, { offset: 0, count: 2, selfUrl: 'https://b/self', pageUrl });

    expect(ids(page)).toEqual([
      'match 9000000009',
      'match gp-c1',
      'include gp-p1',
      'include orphan',
      'outcome q-1-sources',
    ]);
    expect(page.total).toBe(5);
    expect(page.link).toEqual([
      { relation: 'self', url: 'https://b/self' },
      { relation: 'next', url: pageUrl(2) },
    ]);
  });

  it('when a later page is cut, then includes are followed transitively, Provenance comes with its targets, and previous links back', () => {
    const page = bundlePage(bundle, { offset: 2, count: 2, selfUrl: 'https://b/self', pageUrl });

    expect(ids(page)).toEqual([
      'match gp-c2',
      'match acute-c1',
      'include acute-r1',
      'include acute-o1',
      'include prov-acute',
      'outcome q-1-sources',
    ]);
    expect(page.link?.map((l) => [l.relation, l.url])).toEqual([
      ['self', 'https://b/self'],
      ['next', pageUrl(4)],
      ['previous', pageUrl(0)],
    ]);
  });

  it('when the last page is cut, then there is no next link, and all pages together hold every entry', () => {
    const pages = [0, 2, 4].map((offset) => bundlePage(bundle, { offset, count: 2, selfUrl: 's', pageUrl }));

    expect(pages[2]!.link?.map((l) => l.relation)).toEqual(['self', 'previous']);
    const seen = new Set(pages.flatMap(ids));
    expect([...seen].sort()).toEqual(ids(bundle).sort());
  });
});
