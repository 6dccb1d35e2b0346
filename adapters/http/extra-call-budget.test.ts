import { ExtraCallBudget } from './extra-call-budget';

describe('ExtraCallBudget', () => {
  it('when every call wants a retry, then retries stay within the ratio plus the floor', () => {
    let now = 1_000_000;
    const budget = new ExtraCallBudget({ ratio: 0.1, minPerWindow: 3, now: () => now });
    let retries = 0;
    for (let i = 0; i < 200; i++) {
      budget.recordCall();
      if (budget.tryExtra()) retries++;
      now += 10; // 200 calls in 2 s: all inside one 10 s window
    }
    expect(retries).toBe(Math.floor(200 * 0.1) + 3);
  });

  it('when a quiet source fails, then the floor still allows a few retries', () => {
    const budget = new ExtraCallBudget({ ratio: 0.1, minPerWindow: 3, now: () => 0 });
    budget.recordCall();
    expect([budget.tryExtra(), budget.tryExtra(), budget.tryExtra(), budget.tryExtra()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('when the window slides past old retries, then the budget refills', () => {
    let now = 0;
    const budget = new ExtraCallBudget({ ratio: 0, windowMs: 1000, minPerWindow: 1, now: () => now });
    expect(budget.tryExtra()).toBe(true);
    expect(budget.tryExtra()).toBe(false);
    now += 500;
    expect(budget.tryExtra()).toBe(false);
    now += 600; // the first retry's bucket is now outside the window
    expect(budget.tryExtra()).toBe(true);
  });

  it('when the ratio is zero and the floor is zero, then no extra call is ever allowed', () => {
    const budget = new ExtraCallBudget({ ratio: 0, minPerWindow: 0 });
    for (let i = 0; i < 50; i++) budget.recordCall();
    expect(budget.tryExtra()).toBe(false);
  });
});
