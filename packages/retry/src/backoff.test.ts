import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, exponentialBackoff, fullJitter } from './backoff.js';

describe('backoffCeiling()', () => {
  it('multiplies the base by the factor once per retry after the first', () => {
    expect([1, 2, 3, 4].map((n) => backoffCeiling(n, 100, 10_000, 2))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds maxDelayMs', () => {
    expect(backoffCeiling(30, 100, 5_000, 3)).toBe(5_000);
  });
});

describe('fullJitter()', () => {
  it('draws uniformly under the ceiling, from 0 up to one below it', () => {
    expect(fullJitter(1000, () => 0)).toBe(0);
    expect(fullJitter(1000, () => 0.5)).toBe(500);
    expect(fullJitter(1000, () => 0.9999)).toBe(999);
  });
});

describe('exponentialBackoff()', () => {
  it('draws each delay with the injected random under a doubling ceiling', () => {
    const backoff = exponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6].map(backoff)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('defaults to a 100 ms base doubling up to 10 s', () => {
    const backoff = exponentialBackoff({ random: () => 0.99999 });
    expect([backoff(1), backoff(2), backoff(20)]).toEqual([99, 199, 9999]);
  });

  it('rejects a maxDelayMs below baseDelayMs, naming the range', () => {
    expect(() => exponentialBackoff({ baseDelayMs: 500, maxDelayMs: 100 })).toThrow(
      /maxDelayMs must be an integer from 500 to 2147483647/,
    );
  });

  it('rejects a factor below 1 with a ConfigError', () => {
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow(ConfigError);
  });

  it('names the nested path when used for retry options', () => {
    expect(() => exponentialBackoff({ baseDelayMs: -1 }, 'retry', 'backoff.')).toThrow(
      expect.objectContaining({ path: 'backoff.baseDelayMs' }),
    );
  });
});
