import { describe, expect, it } from 'vitest';
import { cancelledError } from './cancelled.js';
import type { CallToolResult } from './contract.js';
import { MiddlewareError } from './errors.js';
import type { MiddlewareEvent } from './events.js';
import { observeOutcome, type Outcome } from './outcome.js';
import { absorbRejection, askUser, callHook, isPromiseLike } from './user-callback.js';

function events(): { emit: (event: MiddlewareEvent) => void; seen: MiddlewareEvent[] } {
  const seen: MiddlewareEvent[] = [];
  return { emit: (event) => seen.push(event), seen };
}

const revoked = Proxy.revocable({}, {});
revoked.revoke();

describe('isPromiseLike', () => {
  it('is true for promises and thenables, false for everything else, and never throws', () => {
    expect(isPromiseLike(Promise.resolve(1))).toBe(true);
    expect(isPromiseLike({ then: () => undefined })).toBe(true);
    expect(isPromiseLike(Object.assign(() => undefined, { then: () => undefined }))).toBe(true);
    for (const value of [undefined, null, 1, 'then', {}, { then: 1 }, revoked.proxy]) {
      expect(isPromiseLike(value)).toBe(false);
    }
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('no');
      },
    });
    expect(isPromiseLike(hostile)).toBe(false);
  });
});

describe('callHook', () => {
  it('turns a hook that throws into one warning naming the source and the hook', () => {
    const ctx = events();
    callHook(
      'retry',
      'onRetry',
      () => {
        throw new Error('boom');
      },
      [],
      ctx,
    );
    expect(ctx.seen).toMatchObject([{ type: 'warning', source: 'retry' }]);
    expect(JSON.stringify(ctx.seen[0])).toContain('onRetry threw (boom)');
  });

  it('turns the rejection of an async hook into one warning instead of an unhandled rejection', async () => {
    const ctx = events();
    callHook('cache', 'onHit', (n: number) => Promise.reject(new Error(`late ${n}`)), [3], ctx);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ctx.seen).toMatchObject([{ type: 'warning', source: 'cache' }]);
    expect(JSON.stringify(ctx.seen[0])).toContain('late 3');
  });

  it('calls the hook with its arguments and does nothing when there is none', () => {
    const seen: unknown[] = [];
    callHook('x', 'onX', (a: number, b: string) => seen.push(a, b), [1, 'b']);
    callHook('x', 'onX', undefined, []);
    expect(seen).toEqual([1, 'b']);
  });
});

describe('askUser', () => {
  it('takes only a literal true or false; a throw or a promise gives the fallback and a warning', () => {
    const ctx = events();
    expect(
      askUser(
        'breaker',
        'isFailure',
        () => true,
        () => false,
        ctx,
      ),
    ).toBe(true);
    expect(
      askUser(
        'breaker',
        'isFailure',
        () => false,
        () => true,
        ctx,
      ),
    ).toBe(false);
    expect(
      askUser(
        'breaker',
        'isFailure',
        () => 'yes',
        () => true,
        ctx,
      ),
    ).toBe(false);
    expect(ctx.seen).toEqual([]);
    const thrown = () => {
      throw new Error('no');
    };
    expect(askUser('breaker', 'isFailure', thrown, () => true, ctx)).toBe(true);
    expect(
      askUser(
        'breaker',
        'isFailure',
        () => Promise.resolve(true),
        () => false,
        ctx,
      ),
    ).toBe(false);
    expect(ctx.seen.map((e) => e.type === 'warning' && e.message)).toEqual([
      expect.stringContaining('isFailure threw'),
      expect.stringContaining('isFailure returned a promise'),
    ]);
  });
});

describe('absorbRejection', () => {
  it('is false for a value that is no promise, and hands a rejection to onRejected', async () => {
    expect(absorbRejection('x', 'cb', 1)).toBe(false);
    const rejected: unknown[] = [];
    expect(
      absorbRejection('x', 'cb', Promise.reject(new Error('r')), undefined, (e) => rejected.push(e)),
    ).toBe(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(rejected).toMatchObject([{ message: 'r' }]);
  });
});

describe('cancelledError', () => {
  it('names the call and what it waited for, with the reason as cause', () => {
    const reason = new Error('client went away');
    const error = cancelledError(
      { operation: 'tools/call', target: 'search' },
      reason,
      'while waiting for a free slot',
    );
    expect(error).toMatchObject({
      code: 'CANCELLED',
      message: 'the call to tool `search` was cancelled while waiting for a free slot',
      cause: reason,
    });
    expect(cancelledError({ operation: 'resources/read', target: 'a://b' }, undefined).message).toBe(
      'the request for resource `a://b` was cancelled',
    );
  });

  it('passes on a MiddlewareError reason (a deadline above) as it is', () => {
    const timeout = new MiddlewareError('TIMEOUT', 'deadline');
    expect(cancelledError({ operation: 'tools/call', target: 't' }, timeout)).toBe(timeout);
    expect(cancelledError({ operation: 'tools/call', target: 't' }, revoked.proxy).code).toBe('CANCELLED');
  });
});

describe('observeOutcome', () => {
  const ok: CallToolResult = { content: [] };
  const toolError: CallToolResult = { content: [], isError: true };

  it('passes the result or the error on unchanged and reports each outcome', async () => {
    const seen: Outcome['kind'][] = [];
    const observe = (outcome: Outcome): void => {
      seen.push(outcome.kind);
    };
    await expect(observeOutcome(Promise.resolve(ok), observe)).resolves.toBe(ok);
    await expect(observeOutcome(Promise.resolve(toolError), observe)).resolves.toBe(toolError);
    const error = new MiddlewareError('RATE_LIMITED', 'slow down');
    await expect(observeOutcome(Promise.reject(error), observe)).rejects.toBe(error);
    await expect(observeOutcome(Promise.resolve(undefined as never), observe)).resolves.toBeUndefined();
    expect(seen).toEqual(['success', 'tool_error', 'error', 'success']);
  });

  it('keeps the answer when the observer throws', async () => {
    const observe = (): void => {
      throw new Error('observer broke');
    };
    await expect(observeOutcome(Promise.resolve(ok), observe)).resolves.toBe(ok);
    const error = new Error('x');
    await expect(observeOutcome(Promise.reject(error), observe)).rejects.toBe(error);
  });
});
