import { describe, expect, it } from 'vitest';
import { MiddlewareError, isRetryable } from './errors.js';
import { errorTypeOf, outcomeOfError, outcomeOfResult } from './outcome.js';
import { errorDetailOf, toToolResult } from './result.js';

describe('outcome classifier', () => {
  it('classifies a normal result as success', () => {
    const outcome = outcomeOfResult({ content: [] });
    expect(outcome.kind).toBe('success');
    expect(errorTypeOf(outcome)).toBeUndefined();
  });

  it('classifies an isError answer from the tool as tool_error, not a failure of the call', () => {
    const outcome = outcomeOfResult({ content: [{ type: 'text', text: 'file not found' }], isError: true });
    expect(outcome.kind).toBe('tool_error');
    expect(errorTypeOf(outcome)).toBe('tool_error');
  });

  it('recognises a result that carries a middleware error detail', () => {
    const outcome = outcomeOfResult(toToolResult(new MiddlewareError('UPSTREAM_ERROR', 'down')));
    expect(outcome.kind).toBe('error');
    expect(outcome.code).toBe('UPSTREAM_ERROR');
    expect(outcome.retryable).toBe(true);
  });

  it('ignores an error detail whose code is not one of ours, so labels stay bounded', () => {
    const outcome = outcomeOfResult({
      content: [],
      isError: true,
      _meta: { 'io.github.mcp-middleware/error': { code: 'SOMETHING_UPSTREAM_MADE_UP', retryable: true } },
    });
    expect(outcome.kind).toBe('tool_error');
    expect(outcome.code).toBeUndefined();
  });

  it('classifies a thrown middleware error by its code', () => {
    const outcome = outcomeOfError(new MiddlewareError('FORBIDDEN', 'no'));
    expect(outcome).toMatchObject({ kind: 'error', code: 'FORBIDDEN', retryable: false });
    expect(errorTypeOf(outcome)).toBe('FORBIDDEN');
  });

  it('classifies an unknown thrown error as a transient failure of type _OTHER', () => {
    const outcome = outcomeOfError(new TypeError('x'));
    expect(outcome).toMatchObject({ kind: 'error', code: undefined, retryable: true });
    expect(errorTypeOf(outcome)).toBe('_OTHER');
  });
});

/** Thrown values a handler or a dependency may produce, hostile ones included. */
function thrownValues(): [string, unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const getters = Object.defineProperties(
    {},
    {
      message: { get: () => fail('message getter') },
      code: { get: () => fail('code getter') },
      toJSON: { get: () => fail('toJSON getter') },
    },
  );
  const fakeBrand = Object.defineProperties(
    {},
    {
      [Symbol.for('io.github.mcp-middleware/error')]: { value: true },
      code: { get: () => fail('code getter') },
      retryable: { get: () => fail('retryable getter') },
    },
  );
  return [
    ['an Error', new Error('reset')],
    ['a TypeError', new TypeError('fetch failed')],
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a Symbol', Symbol('thrown')],
    ['a BigInt', 10n],
    ['a revoked Proxy', revoked.proxy],
    ['an object with throwing getters', getters],
    ['a branded object whose fields throw', fakeBrand],
    ['a retryable TIMEOUT', new MiddlewareError('TIMEOUT', 'slow')],
    ['a retryable UPSTREAM_ERROR', new MiddlewareError('UPSTREAM_ERROR', 'down')],
    ['a RATE_LIMITED', new MiddlewareError('RATE_LIMITED', 'slow down')],
    ['an INVALID_ARGUMENTS', new MiddlewareError('INVALID_ARGUMENTS', 'bad')],
    ['a FORBIDDEN', new MiddlewareError('FORBIDDEN', 'no')],
    ['an INTERNAL', new MiddlewareError('INTERNAL', 'bug')],
    ['a CANCELLED', new MiddlewareError('CANCELLED', 'gone')],
    ['a TIMEOUT marked not retryable', new MiddlewareError('TIMEOUT', 'late', { retryable: false })],
  ];
}

function fail(message: string): never {
  throw new Error(message);
}

describe('one classification of retryability', () => {
  it.each(thrownValues())(
    'gives %s the same retryable in _meta as in its outcome, and never throws',
    (_name, value) => {
      const outcome = outcomeOfError(value);
      const detail = errorDetailOf(toToolResult(value));
      expect(detail?.retryable).toBe(outcome.retryable);
      expect(detail?.retryable).toBe(isRetryable(value));
      expect(outcome.kind).toBe('error');
    },
  );

  it('treats an unknown thrown value as transient, and a MiddlewareError as it says', () => {
    expect(isRetryable(new Error('reset'))).toBe(true);
    expect(isRetryable('reset')).toBe(true);
    expect(isRetryable(new MiddlewareError('FORBIDDEN', 'no'))).toBe(false);
    expect(isRetryable(new MiddlewareError('FORBIDDEN', 'no', { retryable: true }))).toBe(true);
  });

  it('reads the retryable of a relayed result only when it is literally true', () => {
    const relayed = (retryable: unknown) =>
      outcomeOfResult({
        content: [],
        isError: true,
        _meta: { 'io.github.mcp-middleware/error': { code: 'UPSTREAM_ERROR', retryable } },
      }).retryable;
    expect(relayed(true)).toBe(true);
    expect(relayed('yes')).toBe(false);
    expect(relayed(undefined)).toBe(false);
  });
});
