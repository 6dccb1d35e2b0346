import { RecentReferences } from './recent-references';

describe('RecentReferences', () => {
  const origin = { nhsNumber: '9000000009', resourceTypes: ['Condition'] as const };

  it('when an id was shown to one user, then only that user can locate it, until it expires', () => {
    let now = 0;
    const recent = new RecentReferences({ ttlMs: 1000, maxEntries: 10, now: () => now });
    recent.rememberNow('user-a', ['Condition/gp-1'], origin);
    expect(recent.locateNow('user-a', 'Condition/gp-1')).toEqual(origin);
    expect(recent.locateNow('user-b', 'Condition/gp-1')).toBeUndefined();
    now = 1000;
    expect(recent.locateNow('user-a', 'Condition/gp-1')).toBeUndefined();
  });

  it('when more ids are kept than allowed, then the oldest go first and a re-shown id is kept', () => {
    const recent = new RecentReferences({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    recent.rememberNow('u', ['Condition/a', 'Condition/b'], origin);
    recent.rememberNow('u', ['Condition/a'], origin);
    recent.rememberNow('u', ['Condition/c'], origin);
    expect(recent.locateNow('u', 'Condition/b')).toBeUndefined();
    expect(recent.locateNow('u', 'Condition/a')).toEqual(origin);
    expect(recent.locateNow('u', 'Condition/c')).toEqual(origin);
  });
});
