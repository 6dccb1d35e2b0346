import { TaskCancelledError } from 'cockatiel';
import { withinLimit } from './source-guard';

describe('withinLimit (the time limit around one source call)', () => {
  it('when the call ignores its signal, then it is cancelled at the limit and its signal aborts', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const result = withinLimit(30, new AbortController().signal, (signal) => {
      seen = signal;
      return new Promise<string>(() => undefined);
    });
    await expect(result).rejects.toBeInstanceOf(TaskCancelledError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(seen?.aborted).toBe(true);
  });

  it('when the call returns, then its answer is passed on and its signal is aborted (nothing it left outlives it)', async () => {
    let seen: AbortSignal | undefined;
    const answer = await withinLimit(1000, new AbortController().signal, (signal) => {
      seen = signal;
      return Promise.resolve('answer');
    });
    expect(answer).toBe('answer');
    expect(seen?.aborted).toBe(true);
    // A made reason, not a DOMException constructed for every call.
    expect(seen?.reason).not.toBeInstanceOf(DOMException);
  });

  it('when the call fails, then its own error is passed on', async () => {
    await expect(
      withinLimit(1000, new AbortController().signal, () => Promise.reject(new Error('adapter fault'))),
    ).rejects.toThrow('adapter fault');
  });

  it('when the caller aborts, then the call is cancelled at once with the caller’s reason', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const result = withinLimit(10_000, parent.signal, (signal) => {
      seen = signal;
      return new Promise<string>(() => undefined);
    });
    const reason = new Error('the view was abandoned');
    parent.abort(reason);
    await expect(result).rejects.toBeInstanceOf(TaskCancelledError);
    expect(seen?.reason).toBe(reason);
  });

  it('when the caller has already aborted, then the call is cancelled without waiting', async () => {
    const parent = new AbortController();
    parent.abort();
    await expect(
      withinLimit(10_000, parent.signal, () => new Promise<string>(() => undefined)),
    ).rejects.toBeInstanceOf(TaskCancelledError);
  });
});
