import { GroupCommit } from './group-commit';
import { JournalUnavailable } from './journal';

/** A writer that records each batch it is given and answers after the test lets it. */
function recordingWriter(options: { fail?: (items: readonly number[]) => boolean } = {}) {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>({
    write: async (items) => {
      batches.push([...items]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.fail?.(items)) throw new Error('disk full');
      return items.map((n) => (n < 0 ? new RangeError('negative') : n * 10));
    },
    weight: (n) => Math.max(1, Math.abs(n)),
    maxBatchWeight: 10,
    maxQueuedWeight: 40,
  });
  return { batches, commit };
}

describe('group commit', () => {
  test('when calls arrive while a batch is being written, then they are written together in order', async () => {
    const { batches, commit } = recordingWriter();

    const first = commit.submit(1);
    const rest = [2, 3, 4].map((n) => commit.submit(n));
    await first;
    const later = [5, 5].map((n) => commit.submit(n));

    expect(await Promise.all([...rest, ...later])).toEqual([20, 30, 40, 50, 50]);
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 5],
    ]);
  });

  test('when the waiting calls exceed the batch bound, then they are split without splitting a call', async () => {
    const { batches, commit } = recordingWriter();

    await Promise.all([4, 4, 4, 12, 1].map((n) => commit.submit(n)));

    expect(batches).toEqual([[4, 4], [4], [12], [1]]);
  });

  test('when a batch fails, then every caller in it is refused as unavailable and the next batch goes on', async () => {
    const { commit } = recordingWriter({ fail: (items) => items.includes(2) });

    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => commit.submit(n)));
    const after = await commit.submit(7);

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(JournalUnavailable);
    expect(after).toBe(70);
  });

  test('when the writer refuses one item, then only that caller is refused', async () => {
    const { commit } = recordingWriter();

    const outcomes = await Promise.allSettled([1, -2, 3].map((n) => commit.submit(n)));

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
  });

  test('when too much is waiting, then further calls are refused at once', async () => {
    const { commit } = recordingWriter();

    const accepted = [10, 10, 10, 10].map((n) => commit.submit(n));
    await expect(commit.submit(10)).rejects.toThrow('overloaded');
    await Promise.all(accepted);
  });

  test('when closed, then queued calls are answered and new ones refused', async () => {
    const { commit } = recordingWriter();

    const queued = commit.submit(1);
    await commit.close();

    expect(await queued).toBe(10);
    await expect(commit.submit(2)).rejects.toBeInstanceOf(JournalUnavailable);
  });
});
