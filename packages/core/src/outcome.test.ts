import { describe, expect, it } from 'vitest';
import { MiddlewareError } from './errors.js';
import { errorTypeOf, outcomeOfError, outcomeOfResult } from './outcome.js';
import { toToolResult } from './result.js';

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
