import { describe, expect, it } from 'vitest';
import { MiddlewareError } from '../errors.js';
import { rejectionOf } from './rejection.js';

describe('rejectionOf', () => {
  it('returns what the promise rejected with, whatever it is', async () => {
    const error = new Error('boom');
    expect(await rejectionOf(Promise.reject(error))).toBe(error);
    expect(await rejectionOf(Promise.reject(undefined as never))).toBeUndefined();
  });

  it('fails when the promise resolves, naming what it resolved with', async () => {
    await expect(rejectionOf(Promise.resolve('fine'))).rejects.toThrow(
      'expected a rejection, but the promise resolved with a string',
    );
  });

  it('with a code, returns the MiddlewareError of that code and fails on any other rejection', async () => {
    const limited = new MiddlewareError('RATE_LIMITED', 'slow down');
    const error = await rejectionOf(Promise.reject(limited), 'RATE_LIMITED');
    expect(error.retryable).toBe(true);
    await expect(rejectionOf(Promise.reject(limited), 'TIMEOUT')).rejects.toThrow(
      'expected a MiddlewareError TIMEOUT, got RATE_LIMITED: slow down',
    );
    await expect(rejectionOf(Promise.reject(new Error('plain')), 'TIMEOUT')).rejects.toThrow(
      'expected a MiddlewareError TIMEOUT, got',
    );
  });
});
