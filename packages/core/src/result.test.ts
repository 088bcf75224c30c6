import { describe, expect, it } from 'vitest';
import { MiddlewareError } from './errors.js';
import { ERROR_META_KEY, errorDetailOf, isToolResult, redactSecrets, toToolResult } from './result.js';

describe('toToolResult', () => {
  it('turns a middleware error into an isError result with model-readable text and _meta detail', () => {
    const result = toToolResult(
      new MiddlewareError('RATE_LIMITED', 'rate limit for tool `search` exceeded; retry after 12 s', {
        retryAfterMs: 12_000,
        data: { limit: 10, remaining: 0 },
      }),
    );
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: 'text', text: 'rate limit for tool `search` exceeded; retry after 12 s' },
    ]);
    expect(result._meta?.[ERROR_META_KEY]).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 12_000,
      data: { limit: 10, remaining: 0 },
    });
  });

  it('keeps the message of an unknown error, codes it INTERNAL (transient, as retry sees it) and never includes the stack', () => {
    const error = new Error('database unreachable');
    const result = toToolResult(error);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toBe('database unreachable');
    expect(text).not.toContain('at ');
    expect(errorDetailOf(result)).toEqual({ code: 'INTERNAL', retryable: true });
  });

  it('describes a thrown non-Error value', () => {
    expect((toToolResult({ reason: 'x' }).content[0] as { text: string }).text).toContain('{"reason":"x"}');
    expect((toToolResult('plain').content[0] as { text: string }).text).toBe('plain');
  });

  it('redacts bearer tokens, JWTs and key=value secrets from error texts', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const text = (
      toToolResult(new Error(`call failed: Authorization: Bearer abc.def-123 token=${jwt} password=hunter2`))
        .content[0] as { text: string }
    ).text;
    expect(text).not.toContain('abc.def-123');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('hunter2');
  });

  it('bounds the length of an error text', () => {
    expect(redactSecrets('x'.repeat(10_000)).length).toBeLessThanOrEqual(2001);
  });
});

describe('isToolResult', () => {
  it('accepts results and rejects other values', () => {
    expect(isToolResult({ content: [] })).toBe(true);
    expect(isToolResult({ structuredContent: {}, content: [] })).toBe(true);
    expect(isToolResult({ content: 'text' })).toBe(false);
    expect(isToolResult('text')).toBe(false);
    expect(isToolResult(null)).toBe(false);
    expect(isToolResult(undefined)).toBe(false);
  });
});
