/** rejectionOf(): the value a promise rejects with, for tests that check an error's fields. */
import { isMiddlewareError, type ErrorCode, type MiddlewareErrorLike } from '../errors.js';
import { describeValue } from '../result.js';

/**
 * Waits for `promise` to reject and returns what it rejected with; throws when it resolves instead. With
 * `code`, also throws unless the rejection is a `MiddlewareError` with that code, and returns it typed.
 * Plain throws rather than a test framework's `expect`, so any runner reports them as failures.
 */
export function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown>;
export function rejectionOf(promise: PromiseLike<unknown>, code: ErrorCode): Promise<MiddlewareErrorLike>;
export async function rejectionOf(promise: PromiseLike<unknown>, code?: ErrorCode): Promise<unknown> {
  let error: unknown;
  try {
    const value = await promise;
    throw new RejectionExpected(
      `expected a rejection, but the promise resolved with ${describeValue(value)}`,
    );
  } catch (thrown) {
    if (thrown instanceof RejectionExpected) throw thrown;
    error = thrown;
  }
  if (code === undefined) return error;
  if (!isMiddlewareError(error)) {
    throw new RejectionExpected(`expected a MiddlewareError ${code}, got ${describeValue(error)}`, error);
  }
  if (error.code !== code) {
    throw new RejectionExpected(
      `expected a MiddlewareError ${code}, got ${error.code}: ${error.message}`,
      error,
    );
  }
  return error;
}

class RejectionExpected extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'AssertionError';
  }
}
