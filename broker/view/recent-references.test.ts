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

  it('when one user viewed two patients, then each id is located in the newest view that showed it', () => {
    const recent = new RecentReferences({ ttlMs: 1000, maxEntries: 100, now: () => 0 });
    const other = { nhsNumber: '9000000017', resourceTypes: ['Condition'] as const };
    recent.rememberNow('u', ['Condition/a', 'Practitioner/p'], origin);
    recent.rememberNow('u', ['Condition/b', 'Practitioner/p'], other);
    expect(recent.locateNow('u', 'Condition/a')).toEqual(origin);
    expect(recent.locateNow('u', 'Condition/b')).toEqual(other);
    expect(recent.locateNow('u', 'Practitioner/p')).toEqual(other);
  });

  it('when a reference spans two remembered ids or is a part of one, then it is not located', () => {
    const recent = new RecentReferences({ ttlMs: 1000, maxEntries: 100, now: () => 0 });
    recent.rememberNow('u', ['Condition/a', 'Condition/b'], origin);
    expect(recent.locateNow('u', 'Condition/a\nCondition/b')).toBeUndefined();
    expect(recent.locateNow('u', 'Condition/')).toBeUndefined();
    expect(recent.locateNow('u', 'a')).toBeUndefined();
  });

  it('when one view holds more ids than allowed, then it is kept until a newer view replaces it', () => {
    const recent = new RecentReferences({ ttlMs: 1000, maxEntries: 1, now: () => 0 });
    recent.rememberNow('u', ['Condition/a', 'Condition/b'], origin);
    expect(recent.locateNow('u', 'Condition/b')).toEqual(origin);
    recent.rememberNow('v', ['Condition/c'], origin);
    expect(recent.locateNow('u', 'Condition/b')).toBeUndefined();
    expect(recent.locateNow('v', 'Condition/c')).toEqual(origin);
  });
});
