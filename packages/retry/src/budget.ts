/** A retry budget: retries may be at most a share of recent calls, plus a small floor (as in tower and Finagle). */
import { BUDGET_OPTIONS } from './declaration.js';

/** Decides whether one more retry is allowed. Share one between middlewares that call one dependency. */
export interface RetryBudget {
  /** Records a call (not a retry) at time `now`. */
  deposit(now: number): void;
  /** Takes one retry at time `now`; false when the budget is spent. */
  withdraw(now: number): boolean;
}

/** Options of {@link retryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per call in the window, on top of the floor. @default 0.2 */
  readonly ratio?: number;
  /** Retries always allowed, per second of the window, so a quiet server can still retry. @default 10 */
  readonly minRetriesPerSecond?: number;
  /** How far back calls and retries count. @default 10000 */
  readonly windowMs?: number;
}

const BUCKETS = 10;

/**
 * A sliding-window budget in ten buckets: a retry is allowed while retries in the window stay below
 * `minRetriesPerSecond * windowMs / 1000 + ratio * calls`. A failing dependency then sees at most
 * `1 + ratio` times its normal load instead of `1 + retries` times.
 */
export function retryBudget(
  options: RetryBudgetOptions = {},
  factory = 'retryBudget',
  prefix = '',
): RetryBudget {
  const { ratio, minRetriesPerSecond, windowMs } = BUDGET_OPTIONS.read(options, prefix, factory).values;
  const bucketMs = windowMs / BUCKETS;
  const floor = (minRetriesPerSecond * windowMs) / 1000;
  const calls = new Array<number>(BUCKETS).fill(0);
  const retries = new Array<number>(BUCKETS).fill(0);
  let current: number | undefined;

  // Moves to the bucket of `now`, emptying the buckets that fell out of the window. Returns its slot.
  const roll = (now: number): number => {
    const index = Math.floor(now / bucketMs);
    if (current === undefined || index - current >= BUCKETS) {
      calls.fill(0);
      retries.fill(0);
      current = index;
    } else {
      // A clock that steps back keeps counting in the current bucket.
      for (; current < index;) {
        current++;
        const slot = current % BUCKETS;
        calls[slot] = 0;
        retries[slot] = 0;
      }
    }
    return current % BUCKETS;
  };

  return {
    deposit(now) {
      const slot = roll(now);
      calls[slot] = (calls[slot] as number) + 1;
    },
    withdraw(now) {
      const slot = roll(now);
      let callSum = 0;
      let retrySum = 0;
      for (let i = 0; i < BUCKETS; i++) {
        callSum += calls[i] as number;
        retrySum += retries[i] as number;
      }
      if (retrySum + 1 > floor + ratio * callSum) return false;
      retries[slot] = (retries[slot] as number) + 1;
      return true;
    },
  };
}
