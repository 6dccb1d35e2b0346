import { randomUUID } from 'node:crypto';
import { chainHash, GENESIS_HASH } from './entry-hash';
import { JournalRequestRejected, JournalUnavailable, type Journal, type JournalEntry } from './journal';
import { entry, STORE_KINDS, TestStore } from '../../../test/support/journal-stores';

const NHS_A = '9000000009';
const NHS_B = '9000000017';

describe.each(STORE_KINDS)('the %s journal (contract)', (kind) => {
  let store: TestStore;
  let journal: Journal;

  beforeEach(async () => {
    store = new TestStore(kind);
    journal = await store.open();
  });
  afterEach(() => store.cleanup());

  test('when entries are appended, then get returns each as stored, chained from the genesis hash', async () => {
    const first = entry(
      { patient: NHS_A, user: 'u1', sources: ['gp', 'acute'] },
      { body: { a: [1, { b: 'é' }] } },
    );
    const second = entry({ patient: NHS_A, outcome: '4' });

    const appended = await journal.append([first, second]);

    expect(appended.map((e) => e.seq)).toEqual([1, 2]);
    expect(appended[0]!.prevHash).toBe(GENESIS_HASH);
    expect(appended[1]!.prevHash).toBe(appended[0]!.hash);
    const stored = await journal.get(first.id);
    expect(stored).toEqual({ ...first, seq: 1, prevHash: GENESIS_HASH, hash: appended[0]!.hash });
    // The hash is over the canonical text, computable by anyone from the stored entry.
    const text = JSON.stringify({
      seq: 1,
      id: first.id,
      stream: 'audit',
      recorded: first.recorded,
      keys: { patient: NHS_A, user: 'u1', sources: ['gp', 'acute'] },
      body: { a: [1, { b: 'é' }] },
    });
    expect(stored!.hash).toBe(chainHash(GENESIS_HASH, text));
    expect(await journal.get(randomUUID())).toBeUndefined();
    expect(await journal.get('not-a-uuid')).toBeUndefined();
  });

  test('when an empty append is made, then nothing is recorded', async () => {
    expect(await journal.append([])).toEqual([]);
    expect(await journal.verify()).toEqual({ ok: true, entries: 0, lastHash: GENESIS_HASH });
  });

  test('when queried by each key, then only matching entries of the stream come back, oldest first', async () => {
    const ref = randomUUID();
    const entries = [
      entry({ patient: NHS_A, user: 'u1', organisation: 'A81001', action: 'patient-view', ref }),
      entry({ patient: NHS_B, user: 'u2', organisation: 'A81001', action: 'patient-view' }),
      entry({ patient: NHS_A, user: 'u2', organisation: 'RJ1', action: 'audit-search' }),
      entry({ patient: NHS_A, user: 'u1', action: 'emergency' }, { stream: 'alert' }),
    ];
    await journal.append(entries);
    const seqs = async (q: Omit<Parameters<Journal['query']>[0], 'limit'>): Promise<number[]> =>
      (await journal.query({ limit: 100, ...q })).map((e) => e.seq);

    expect(await seqs({ stream: 'audit' })).toEqual([1, 2, 3]);
    expect(await seqs({ stream: 'audit', patient: NHS_A })).toEqual([1, 3]);
    expect(await seqs({ stream: 'audit', user: 'u2' })).toEqual([2, 3]);
    expect(await seqs({ stream: 'audit', organisation: 'A81001' })).toEqual([1, 2]);
    expect(await seqs({ stream: 'audit', action: 'audit-search' })).toEqual([3]);
    expect(await seqs({ stream: 'audit', ref })).toEqual([1]);
    expect(await seqs({ stream: 'audit', patient: NHS_A, user: 'u1' })).toEqual([1]);
    expect(await seqs({ stream: 'alert', patient: NHS_A })).toEqual([4]);
    expect(await seqs({ stream: 'consent' })).toEqual([]);
    expect(await seqs({ stream: 'audit', patient: '9000000025' })).toEqual([]);
    const [got] = await journal.query({ stream: 'alert', limit: 1 });
    expect(got).toMatchObject({ id: entries[3]!.id, keys: entries[3]!.keys, body: entries[3]!.body });
  });

  test('when queried from and to, then from is inclusive, to exclusive, and a bare date is its midnight', async () => {
    const at = [
      '2026-01-31T23:59:59.999Z',
      '2026-02-01T00:00:00.000Z',
      '2026-02-15T12:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ];
    await journal.append(at.map((recorded) => entry({ patient: NHS_A }, { recorded })));
    const seqs = async (from?: string, to?: string): Promise<number[]> =>
      (
        await journal.query({
          stream: 'audit',
          limit: 10,
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
        })
      ).map((e) => e.seq);

    expect(await seqs('2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')).toEqual([2, 3]);
    expect(await seqs('2026-02-01', '2026-03-01')).toEqual([2, 3]);
    expect(await seqs(undefined, '2026-02-01')).toEqual([1]);
    expect(await seqs('2026-02-15T12:00:00.000Z')).toEqual([3, 4]);
    await expect(journal.query({ stream: 'audit', limit: 10, from: 'last tuesday' })).rejects.toBeInstanceOf(
      JournalRequestRejected,
    );
  });

  test('when paging, then afterSeq walks forward, beforeSeq walks back newest first, and limit holds', async () => {
    await journal.append(
      Array.from({ length: 7 }, (_, i) => entry({ patient: i % 2 === 0 ? NHS_A : NHS_B })),
    );
    const seqs = (entries: readonly JournalEntry[]): number[] => entries.map((e) => e.seq);

    expect(seqs(await journal.query({ stream: 'audit', limit: 3 }))).toEqual([1, 2, 3]);
    expect(seqs(await journal.query({ stream: 'audit', limit: 3, afterSeq: 3 }))).toEqual([4, 5, 6]);
    expect(seqs(await journal.query({ stream: 'audit', limit: 3, afterSeq: 6 }))).toEqual([7]);
    expect(seqs(await journal.query({ stream: 'audit', limit: 3, order: 'newest-first' }))).toEqual([
      7, 6, 5,
    ]);
    expect(
      seqs(await journal.query({ stream: 'audit', limit: 3, order: 'newest-first', beforeSeq: 5 })),
    ).toEqual([4, 3, 2]);
    expect(
      seqs(
        await journal.query({ stream: 'audit', limit: 9, order: 'newest-first', beforeSeq: 7, afterSeq: 2 }),
      ),
    ).toEqual([6, 5, 4, 3]);
    expect(
      seqs(await journal.query({ stream: 'audit', limit: 9, patient: NHS_A, afterSeq: 1, beforeSeq: 7 })),
    ).toEqual([3, 5]);
    await expect(journal.query({ stream: 'audit', limit: 0 })).rejects.toBeInstanceOf(JournalRequestRejected);
    await expect(journal.query({ stream: 'audit', limit: 1001 })).rejects.toBeInstanceOf(
      JournalRequestRejected,
    );
  });

  test('when views are recorded, then the usage report counts successful patient views in range only', async () => {
    const inRange = '2026-10-15T10:00:00.000Z';
    const view = (keys: Parameters<typeof entry>[0], recorded = inRange): ReturnType<typeof entry> =>
      entry({ action: 'patient-view', outcome: '0', ...keys }, { recorded });
    await journal.append([
      view({ patient: NHS_A, user: 'u1', organisation: 'A81001', role: 'R8000', sources: ['gp', 'acute'] }),
      view({ patient: NHS_A, user: 'u1', organisation: 'A81001', role: 'R8000', sources: ['gp'] }),
      view({ patient: NHS_B, user: 'u2', organisation: 'A81001', role: 'R0260', sources: [] }),
      view({ patient: NHS_B, user: 'u3', organisation: 'RJ1', role: 'R8000', sources: ['acute', 'mh'] }),
      view({ patient: NHS_B, user: 'u4' }),
      // Not counted: refused, another action, another stream, outside the month.
      view({ patient: NHS_A, user: 'u9', organisation: 'X1', outcome: '8' }),
      entry(
        { patient: NHS_A, user: 'u9', organisation: 'X1', action: 'audit-search', outcome: '0' },
        { recorded: inRange },
      ),
      entry(
        { patient: NHS_A, user: 'u9', action: 'patient-view', outcome: '0' },
        { stream: 'alert', recorded: inRange },
      ),
      view({ patient: NHS_A, user: 'u9', organisation: 'X1' }, '2026-09-30T23:59:59.999Z'),
      view({ patient: NHS_A, user: 'u9', organisation: 'X1' }, '2026-11-01T00:00:00.000Z'),
    ]);

    const report = await journal.usage('2026-10-01', '2026-11-01');

    expect(report).toEqual({
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
      views: 5,
      uniqueUsers: 4,
      uniquePatients: 2,
      byOrganisation: { A81001: { views: 3, users: 2 }, RJ1: { views: 1, users: 1 } },
      byRole: { R8000: { views: 3, users: 2 }, R0260: { views: 1, users: 1 } },
      bySource: { gp: 2, acute: 2, mh: 1 },
    });
    const empty = await journal.usage('2020-01-01', '2020-02-01');
    expect(empty).toMatchObject({
      views: 0,
      uniqueUsers: 0,
      uniquePatients: 0,
      byOrganisation: {},
      bySource: {},
    });
  });

  test('when many appends race, then the chain is unbroken and each call is contiguous', async () => {
    const calls = Array.from({ length: 120 }, (_, i) =>
      Array.from({ length: (i % 4) + 1 }, () => entry({ patient: NHS_A, user: `u${i}` })),
    );

    const results = await Promise.all(calls.map((call) => journal.append(call)));

    const total = calls.reduce((n, c) => n + c.length, 0);
    const seqs = results.flatMap((r) => r.map((e) => e.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    results.forEach((result, i) => {
      expect(result.map((e) => e.id)).toEqual(calls[i]!.map((e) => e.id));
      result.forEach((e, j) => j > 0 && expect(e.seq).toBe(result[j - 1]!.seq + 1));
    });
    const verification = await journal.verify();
    expect(verification).toEqual({
      ok: true,
      entries: total,
      lastHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  test('when one racing call repeats an id, then only that call is refused and none of it is in the chain', async () => {
    const [existing] = await journal.append([entry({ patient: NHS_A })]);
    const good = [entry({ user: 'a' }), entry({ user: 'b' })];
    const bad = [entry({ user: 'c' }), { ...entry({ user: 'd' }), id: existing!.id }];

    const outcomes = await Promise.allSettled([
      journal.append(good),
      journal.append(bad),
      journal.append([entry()]),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(JournalRequestRejected);
    expect(await journal.get(bad[0]!.id)).toBeUndefined();
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 4 });
  });

  test('when an entry is malformed, then the append is refused without echoing key values', async () => {
    const bad = [
      { ...entry(), id: 'ABC' },
      { ...entry(), recorded: '2026-10-01' },
      { ...entry(), stream: 'other' },
      entry({ patient: '' }),
      entry({ patient: `${NHS_A}\n` }),
      { ...entry(), keys: { nhs: NHS_A } },
      entry({ sources: ['gp', 'gp'] }),
      entry({ outcome: '3' as '0' }),
      entry({}, { body: () => NHS_A }),
    ] as Parameters<Journal['append']>[0];
    for (const one of bad) {
      const error = await journal.append([one]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalRequestRejected);
      expect(JSON.stringify({ ...(error as Error), message: (error as Error).message })).not.toContain(NHS_A);
    }
    const twice = entry();
    await expect(journal.append([twice, twice])).rejects.toBeInstanceOf(JournalRequestRejected);
    expect(await journal.verify()).toEqual({ ok: true, entries: 0, lastHash: GENESIS_HASH });
  });

  test('when the journal is reopened, then the chain continues from its last entry', async () => {
    const before = await journal.append([entry({ patient: NHS_A }), entry({ patient: NHS_B })]);
    await journal.close();

    const reopened = await store.open();
    const after = await reopened.append([entry({ patient: NHS_A })]);

    expect(after[0]).toMatchObject({ seq: 3, prevHash: before[1]!.hash });
    expect((await reopened.query({ stream: 'audit', patient: NHS_A, limit: 10 })).map((e) => e.seq)).toEqual([
      1, 3,
    ]);
    expect(await reopened.verify()).toEqual({ ok: true, entries: 3, lastHash: after[0]!.hash });
  });

  test('when the journal is closed, then appends are refused as unavailable', async () => {
    await journal.close();
    await expect(journal.append([entry()])).rejects.toBeInstanceOf(JournalUnavailable);
  });

  test('when entries are delivered, then undelivered lists the rest per sink and marking is idempotent', async () => {
    const [a1, a2, alert, a3] = await journal.append([
      entry({ patient: NHS_A }),
      entry({ patient: NHS_A }),
      entry({ patient: NHS_A }, { stream: 'alert' }),
      entry({ patient: NHS_A }),
    ]);
    const ids = (entries: readonly JournalEntry[]): string[] => entries.map((e) => e.id);

    expect(ids(await journal.undelivered('fhir', ['audit'], 10))).toEqual([a1!.id, a2!.id, a3!.id]);
    await journal.markDelivered(a1!.id, 'fhir');
    await journal.markDelivered(a1!.id, 'fhir');
    await Promise.all([journal.markDelivered(a3!.id, 'fhir'), journal.markDelivered(a3!.id, 'fhir')]);

    expect(ids(await journal.undelivered('fhir', ['audit'], 10))).toEqual([a2!.id]);
    expect(ids(await journal.undelivered('siem', ['audit'], 2))).toEqual([a1!.id, a2!.id]);
    expect(ids(await journal.undelivered('alerts', ['alert'], 10))).toEqual([alert!.id]);
    expect(ids(await journal.undelivered('fhir', ['audit', 'alert'], 10))).toEqual([a2!.id, alert!.id]);
    await expect(journal.markDelivered(randomUUID(), 'fhir')).rejects.toBeInstanceOf(JournalRequestRejected);

    // Entries appended later are still found, and deliveries outlive a restart.
    const [a4] = await journal.append([entry({ patient: NHS_B })]);
    await journal.markDelivered(a2!.id, 'fhir');
    expect(ids(await journal.undelivered('fhir', ['audit'], 10))).toEqual([a4!.id]);
    await journal.close();
    const reopened = await store.open();
    expect(ids(await reopened.undelivered('fhir', ['audit'], 10))).toEqual([a4!.id]);
    expect(ids(await reopened.undelivered('siem', ['audit'], 10))).toEqual([a1!.id, a2!.id, a3!.id, a4!.id]);
  });

  test('when a notification is dead-lettered and redelivered, then both are new entries found by ref, and a repeated redelivery id is refused', async () => {
    const notification = randomUUID();
    const [note] = await journal.append([entry({ ref: randomUUID() }, { stream: 'notification' })]);
    const [dead] = await journal.append([
      entry(
        { user: 'acute-ed', organisation: 'R1X', action: 'notification-dead-letter', ref: notification },
        { stream: 'notification-dead-letter' },
      ),
    ]);
    const redelivery = entry(
      { user: 'u1', action: 'notification-redeliver', ref: notification },
      { stream: 'notification-redelivery' },
    );
    await journal.append([redelivery]);
    // The same redelivery asked for twice (two administrators at once): the journal takes it once.
    await expect(
      journal.append([{ ...redelivery, recorded: new Date().toISOString() }]),
    ).rejects.toBeInstanceOf(JournalRequestRejected);

    const ids = (entries: readonly JournalEntry[]): string[] => entries.map((e) => e.id);
    expect(
      ids(await journal.query({ stream: 'notification-dead-letter', ref: notification, limit: 10 })),
    ).toEqual([dead!.id]);
    expect(
      ids(await journal.query({ stream: 'notification-redelivery', ref: notification, limit: 10 })),
    ).toEqual([redelivery.id]);
    // A redelivery is outbox work like a notification: undelivered until its lane has handled it.
    expect(ids(await journal.undelivered('notify', ['notification', 'notification-redelivery'], 10))).toEqual(
      [note!.id, redelivery.id],
    );
    await journal.markDelivered(redelivery.id, 'notify');
    expect(ids(await journal.undelivered('notify', ['notification', 'notification-redelivery'], 10))).toEqual(
      [note!.id],
    );
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 3 });
  });
});
