import { UpstreamFailure, upstreamError } from '../upstream-failure';
import { ExtraCallBudget } from './extra-call-budget';
import { retryAfterMs, transientRetry, type RetryReason } from './transient-retry';

const refused = (): UpstreamFailure => upstreamError('unreachable', 'refused the connection', 'transient');
const reset = (): UpstreamFailure => upstreamError('connection-reset', 'reset the connection', 'transient');
const timedOut = (): UpstreamFailure =>
  new UpstreamFailure('timeout', { severity: 'error', code: 'timeout', reason: 'timeout', text: 'late' });

/** Runs `answers` in turn through the policy (each an error to throw or a status to return); counts attempts. */
async function run(
  answers: (UpstreamFailure | { status: number; retryAfter?: string })[],
  options: { maxAttempts?: number; idempotent?: boolean; deadline?: number; budget?: ExtraCallBudget } = {},
): Promise<{ attempts: number; result: unknown; retries: RetryReason[] }> {
  const retries: RetryReason[] = [];
  let attempts = 0;
  const policy = transientRetry({
    maxAttempts: options.maxAttempts ?? 3,
    budget: options.budget ?? new ExtraCallBudget({ ratio: 1, minPerWindow: 100 }),
    idempotent: options.idempotent ?? true,
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    onRetry: (reason) => retries.push(reason),
  });
  const result = await policy
    .execute(async () => {
      const answer = answers[Math.min(attempts++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    })
    .catch((error: unknown) => error);
  return { attempts, result, retries };
}

describe('transientRetry', () => {
  it('when the connection is refused and then accepted, then the request is sent again', async () => {
    const { attempts, result, retries } = await run([refused(), { status: 200 }]);
    expect(attempts).toBe(2);
    expect(result).toEqual({ status: 200 });
    expect(retries).toEqual(['connection-refused']);
  });

  it('when a read is reset, then it is retried; when a write is reset, then it is not (the source may have acted)', async () => {
    expect((await run([reset(), { status: 200 }])).attempts).toBe(2);
    const write = await run([reset(), { status: 200 }], { idempotent: false });
    expect(write.attempts).toBe(1);
    expect(write.result).toBeInstanceOf(UpstreamFailure);
  });

  it('when a request times out or the source fails with a 5xx, then it is never retried', async () => {
    expect((await run([timedOut(), { status: 200 }])).attempts).toBe(1);
    expect((await run([{ status: 500 }, { status: 200 }])).attempts).toBe(1);
    expect((await run([upstreamError('http-500', 'failed'), { status: 200 }])).attempts).toBe(1);
  });

  it('when the source answers 429 with Retry-After, then the retry waits that long', async () => {
    const started = performance.now();
    const { attempts, result } = await run([{ status: 429, retryAfter: '1' }, { status: 200 }], {
      deadline: Date.now() + 3000,
    });
    expect(attempts).toBe(2);
    expect(result).toEqual({ status: 200 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('when Retry-After is longer than the time left, then the 429 is returned at once', async () => {
    const started = performance.now();
    const { attempts, result } = await run([{ status: 429, retryAfter: '5' }, { status: 200 }], {
      deadline: Date.now() + 2000,
    });
    expect(attempts).toBe(1);
    expect(result).toEqual({ status: 429, retryAfter: '5' });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('when every attempt fails, then it stops after maxAttempts in all', async () => {
    const { attempts, result } = await run([refused()], { maxAttempts: 3 });
    expect(attempts).toBe(3);
    expect(result).toBeInstanceOf(UpstreamFailure);
  });

  it('when the budget is spent, then no retry is made and none is taken from the budget on the last attempt', async () => {
    const budget = new ExtraCallBudget({ ratio: 0, minPerWindow: 2 });
    expect((await run([refused()], { maxAttempts: 2, budget })).attempts).toBe(2);
    expect((await run([refused()], { maxAttempts: 2, budget })).attempts).toBe(2);
    expect((await run([refused()], { maxAttempts: 2, budget })).attempts).toBe(1);
  });
});

describe('retryAfterMs', () => {
  it('when given seconds, an HTTP date, or nonsense, then it reads the first two and ignores the last', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
