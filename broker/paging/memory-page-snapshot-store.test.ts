import type { Bundle } from '@medplum/fhirtypes';
import { MemoryPageSnapshotStore } from './memory-page-snapshot-store';
import { SNAPSHOT_ID } from './page-snapshot-store';

const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [] };
const subject = { nhsNumber: '9000000009', queryId: 'q-1' };

describe('MemoryPageSnapshotStore', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('when a snapshot is saved, then its owner finds it by an unguessable id', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 100, clock });
    const a = await store.save({ owner: 'user-1', subject, bundle });
    const b = await store.save({ owner: 'user-1', subject, bundle });

    expect(a.id).toMatch(SNAPSHOT_ID);
    expect(a.id).not.toBe(b.id);
    expect(await store.find(a.id, 'user-1')).toEqual({ status: 'found', snapshot: a });
  });

  it('when another requester asks for it, then it is unknown, as if it never existed, even after it expires', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 100, clock });
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    expect(await store.find(snapshot.id, 'user-2')).toEqual({ status: 'unknown' });
    now += 100;
    expect(await store.find(snapshot.id, 'user-2')).toEqual({ status: 'unknown' });
  });

  it('when its time is up, then its owner is told it expired and its content is released', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 100, clock });
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    now += 99;
    expect((await store.find(snapshot.id, 'user-1')).status).toBe('found');
    now += 1;
    expect(await store.find(snapshot.id, 'user-1')).toEqual({ status: 'expired' });
    expect(store.size).toBe(0);
  });

  it('when the store is full, then the least recently used snapshot is evicted and reads as expired', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 10_000, maxSnapshots: 2, clock });
    const first = await store.save({ owner: 'u', subject, bundle });
    const second = await store.save({ owner: 'u', subject, bundle });
    await store.find(first.id, 'u');
    const third = await store.save({ owner: 'u', subject, bundle });

    expect(store.size).toBe(2);
    expect((await store.find(first.id, 'u')).status).toBe('found');
    expect((await store.find(second.id, 'u')).status).toBe('expired');
    expect((await store.find(third.id, 'u')).status).toBe('found');
  });

  it('when an id is malformed or unknown, then it is unknown', async () => {
    const store = new MemoryPageSnapshotStore({ ttlMs: 100, clock });
    expect(await store.find('../etc', 'u')).toEqual({ status: 'unknown' });
    expect(await store.find('A'.repeat(24), 'u')).toEqual({ status: 'unknown' });
  });
});
