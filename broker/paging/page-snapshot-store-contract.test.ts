import type { Bundle } from '@medplum/fhirtypes';
import { SNAPSHOT_ID } from './page-snapshot-store';
import {
  STORE_KINDS,
  bundle,
  storeHarness,
  subject,
  type StoreHarness,
} from '../../test/support/page-snapshot-stores';

/** About 20 kB, so that what a store adds around the bundle does not matter. */
const big: Bundle = {
  ...bundle,
  entry: [
    ...(bundle.entry ?? []),
    { resource: { resourceType: 'Basic', id: 'big', code: { text: 'x'.repeat(20_000) } } },
  ],
};

describe.each(STORE_KINDS)('the page snapshot store contract: %s', (kind) => {
  let t: StoreHarness;
  beforeEach(async () => {
    t = await storeHarness(kind);
  });
  afterEach(() => t.close());

  it('when a snapshot is saved, then its owner finds it by an unguessable id', async () => {
    const store = t.store();
    const a = await store.save({ owner: 'user-1', subject, bundle });
    const b = await store.save({ owner: 'user-1', subject, bundle });

    expect(a.id).toMatch(SNAPSHOT_ID);
    expect(a.id).not.toBe(b.id);
    expect(await store.find(a.id, 'user-1')).toEqual({ status: 'found', snapshot: a });
    expect(a.expiresAt).toBeGreaterThan(0);
  });

  it('when another requester asks for it, then it is unknown, as if it never existed, even after it expires', async () => {
    const store = t.store();
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    expect(await store.find(snapshot.id, 'user-2')).toEqual({ status: 'unknown' });
    await t.advance(t.ttlMs * 1.5);
    expect(await store.find(snapshot.id, 'user-2')).toEqual({ status: 'unknown' });
  });

  it('when its time is up, then its owner is told it expired', async () => {
    const store = t.store();
    const snapshot = await store.save({ owner: 'user-1', subject, bundle });

    await t.advance(t.ttlMs / 2);
    expect((await store.find(snapshot.id, 'user-1')).status).toBe('found');
    await t.advance(t.ttlMs);
    expect(await store.find(snapshot.id, 'user-1')).toEqual({ status: 'expired' });
  });

  it('when the store is full, then the least recently used snapshot is evicted and reads as expired', async () => {
    const store = t.store({ maxSnapshots: 2 });
    const first = await store.save({ owner: 'u', subject, bundle });
    const second = await store.save({ owner: 'u', subject, bundle });
    await store.find(first.id, 'u');
    const third = await store.save({ owner: 'u', subject, bundle });

    expect((await store.find(first.id, 'u')).status).toBe('found');
    expect((await store.find(second.id, 'u')).status).toBe('expired');
    expect((await store.find(third.id, 'u')).status).toBe('found');
    expect((await store.find(second.id, 'v')).status).toBe('unknown');
  });

  it("when one owner passes their byte budget, then their own oldest snapshot goes, never another owner's", async () => {
    const store = t.store({ maxBytesPerOwner: 50_000, maxBytes: 1_000_000 });
    const others = await store.save({ owner: 'alice', subject, bundle: big });
    const first = await store.save({ owner: 'mallory', subject, bundle: big });
    const second = await store.save({ owner: 'mallory', subject, bundle: big });
    const third = await store.save({ owner: 'mallory', subject, bundle: big });

    expect((await store.find(first.id, 'mallory')).status).toBe('expired');
    expect((await store.find(second.id, 'mallory')).status).toBe('found');
    expect((await store.find(third.id, 'mallory')).status).toBe('found');
    expect((await store.find(others.id, 'alice')).status).toBe('found');
  });

  it('when all owners together pass the byte budget, then the least recently used goes first', async () => {
    const store = t.store({ maxBytesPerOwner: 1_000_000, maxBytes: 50_000 });
    const a = await store.save({ owner: 'a', subject, bundle: big });
    const b = await store.save({ owner: 'b', subject, bundle: big });
    const c = await store.save({ owner: 'c', subject, bundle: big });

    expect((await store.find(a.id, 'a')).status).toBe('expired');
    expect((await store.find(b.id, 'b')).status).toBe('found');
    expect((await store.find(c.id, 'c')).status).toBe('found');
  });

  it('when an id is malformed or unknown, then it is unknown', async () => {
    const store = t.store();
    expect(await store.find('../etc', 'u')).toEqual({ status: 'unknown' });
    expect(await store.find('A'.repeat(24), 'u')).toEqual({ status: 'unknown' });
  });
});
