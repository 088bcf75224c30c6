import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { didYouMean, readOptions } from './options.js';

const KNOWN = ['retries', 'minDelayMs', 'mode', 'onRetry', 'budget'] as const;

describe('readOptions', () => {
  it('reads defaults when options are absent', () => {
    const o = readOptions('retry', undefined, KNOWN);
    expect(o.integer('retries', { min: 0, max: 10, default: 3 })).toBe(3);
    expect(o.oneOf('mode', ['a', 'b'], 'a')).toBe('a');
  });

  it('rejects an unknown option with a did-you-mean', () => {
    expect(() => readOptions('retry', { retires: 3 }, KNOWN)).toThrow(
      /retry: unknown option retires \(did you mean retries\?\)/,
    );
  });

  it('names the option and the accepted range for an out-of-range value', () => {
    const o = readOptions('retry', { retries: -1 }, KNOWN);
    expect(() => o.integer('retries', { min: 0, max: 10, default: 3 })).toThrow(
      'retry: retries must be an integer from 0 to 10, got -1',
    );
  });

  it('throws a ConfigError carrying the path', () => {
    const o = readOptions('retry', { minDelayMs: '1s' }, KNOWN);
    const error: unknown = (() => {
      try {
        return o.number('minDelayMs', { min: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('minDelayMs');
    expect((error as Error).message).toBe('retry: minDelayMs must be a number ≥ 0, got a string');
  });

  it('checks nested objects with their own keys and full paths', () => {
    const o = readOptions('retry', { budget: { ratio: 2, windowsMs: 1 } }, KNOWN);
    expect(() => o.object('budget', ['ratio', 'windowMs'])).toThrow(
      'retry: unknown option budget.windowsMs (did you mean budget.windowMs?)',
    );
  });

  it('rejects a non-object and a wrong function', () => {
    expect(() => readOptions('retry', 5, KNOWN)).toThrow('retry: options must be an object, got 5');
    expect(() => readOptions('retry', { onRetry: 'log' }, KNOWN).function('onRetry')).toThrow(
      'retry: onRetry must be a function, got a string',
    );
  });
});

describe('didYouMean', () => {
  it('suggests only close names', () => {
    expect(didYouMean('windowMS', ['windowMs', 'limit'])).toBe('windowMs');
    expect(didYouMean('zzz', ['windowMs', 'limit'])).toBeUndefined();
  });
});
