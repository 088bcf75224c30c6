import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { retryBudget } from './budget.js';

const T0 = 1_700_000_000_000;

function withdrawals(budget: ReturnType<typeof retryBudget>, now: number, tries: number): number {
  let granted = 0;
  for (let i = 0; i < tries; i++) if (budget.withdraw(now)) granted++;
  return granted;
}

describe('retryBudget()', () => {
  it('grants the floor of minRetriesPerSecond over the window when there were no calls', () => {
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 1, windowMs: 10_000 });
    expect(withdrawals(budget, T0, 50)).toBe(10);
  });

  it('grants ratio retries per call on top of the floor', () => {
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 10_000 });
    for (let i = 0; i < 10; i++) budget.deposit(T0);
    expect(withdrawals(budget, T0, 50)).toBe(5);
  });

  it('forgets calls and retries once they are older than windowMs', () => {
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1_000 });
    for (let i = 0; i < 4; i++) budget.deposit(T0);
    expect(withdrawals(budget, T0, 10)).toBe(4);
    expect(withdrawals(budget, T0 + 1_000, 10)).toBe(0);
    budget.deposit(T0 + 1_000);
    expect(withdrawals(budget, T0 + 1_000, 10)).toBe(1);
  });

  it('keeps calls from the part of the window that has not passed yet', () => {
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1_000 });
    for (let i = 0; i < 4; i++) budget.deposit(T0);
    expect(withdrawals(budget, T0 + 500, 10)).toBe(4);
  });

  it('keeps counting in the current bucket when the clock steps back', () => {
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1_000 });
    budget.deposit(T0);
    budget.deposit(T0 - 5_000);
    expect(withdrawals(budget, T0, 10)).toBe(2);
  });

  it.each([
    [{ ratio: -0.1 }, 'ratio'],
    [{ minRetriesPerSecond: -1 }, 'minRetriesPerSecond'],
    [{ windowMs: 5 }, 'windowMs'],
  ])('rejects %o with a ConfigError naming %s', (options, path) => {
    expect(() => retryBudget(options)).toThrow(ConfigError);
    expect(() => retryBudget(options)).toThrow(expect.objectContaining({ path }));
  });
});
