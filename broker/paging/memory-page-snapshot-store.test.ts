import type { Bundle } from '@medplum/fhirtypes';
import { MemoryPageSnapshotStore } from './memory-page-snapshot-store';

/* What every store does is in page-snapshot-store-contract.test.ts; this is what the memory store adds. */
const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [] };
const subject = { nhsNumber: '9000000009', queryId: 'q-1' };

describe('MemoryPageSnapshotStore', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('when its time is up to the millisecond, then its owner is told it expired and its content is released', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 100, clock });
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    now += 99;
    expect((await store.find(snapshot.id, 'user-1')).status).toBe('found');
    now += 1;
    expect(await store.find(snapshot.id, 'user-1')).toEqual({ status: 'expired' });
    expect(store.size).toBe(0);
  });

  it('when the store is full, then it holds no more than its bound', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 10_000, maxSnapshots: 2, clock });
    for (let i = 0; i < 5; i++) await store.save({ owner: 'u', subject, bundle });

    expect(store.size).toBe(2);
  });
});
