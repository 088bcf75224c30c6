import { describe, expect, it } from 'vitest';
import { count, formatRetryAfter, formatWindow } from './format.js';

describe('formatWindow', () => {
  it.each([
    [500, '500 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [60_000, '60 s'],
    [300_000, '5 min'],
    [7_200_000, '2 h'],
  ])('writes %i ms as "%s"', (ms, text) => {
    expect(formatWindow(ms)).toBe(text);
  });
});

describe('formatRetryAfter', () => {
  it('rounds up to whole seconds', () => {
    expect(formatRetryAfter(11_001)).toBe('12 s');
  });

  it('never says less than 1 s', () => {
    expect(formatRetryAfter(20)).toBe('1 s');
  });
});

describe('count', () => {
  it('uses the singular for one and the plural otherwise', () => {
    expect([count(1, 'call'), count(2, 'call'), count(0, 'point')]).toEqual([
      '1 call',
      '2 calls',
      '0 points',
    ]);
  });
});
