import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { cancelledError } from './cancelled.js';
import { ERROR_CODES, MiddlewareError, type ErrorCode } from './errors.js';
import { asNotFound } from './not-found.js';
import { errorTypeOf, outcomeOfResult } from './outcome.js';
import { failureKindOf, requestFailureOf } from './request-failure.js';

describe('requestFailureOf', () => {
  const ctx = { operation: 'resources/read', target: 'docs://x' } as const;

  it('counts an internal SDK error (-32603) as a failure, a bad request as a rejection', () => {
    expect(requestFailureOf(new McpError(-32603, 'broke'), ctx).kind).toBe('failed');
    expect(requestFailureOf(new McpError(-32601, 'no such method'), ctx).kind).toBe('rejected');
  });

  it('counts params that failed the SDK’s zod schema as a rejection', () => {
    const zodError = Object.assign(new Error('[{"code":"invalid_type"}]'), { name: '$ZodError' });
    expect(requestFailureOf(zodError, ctx)).toMatchObject({ kind: 'rejected', jsonRpcCode: -32603 });
  });

  it('counts INTERNAL and unknown thrown values as failures, whatever they are', () => {
    expect(requestFailureOf(new MiddlewareError('INTERNAL', 'x'), ctx)).toMatchObject({
      kind: 'failed',
      code: 'INTERNAL',
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(requestFailureOf(revoked.proxy, ctx).kind).toBe('failed');
  });
});

describe('requestFailureOf, what reaches the client', () => {
  const ctx = { operation: 'resources/read', target: 'docs://x' } as const;

  it('marks an SDK error passed on unchanged as the SDK’s answer, with its code', () => {
    expect(requestFailureOf(new McpError(-32602, 'bad params'), ctx)).toMatchObject({
      kind: 'rejected',
      sdkAnswer: true,
      jsonRpcCode: -32602,
    });
  });

  it('counts a middleware refusal as a rejection with its code', () => {
    expect(requestFailureOf(new MiddlewareError('FORBIDDEN', 'no'), ctx)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      sdkAnswer: false,
    });
  });
});

// The one classification logging, tracing and metrics read: each kind of failure, pinned field by field.
describe('requestFailureOf, the classification every observer shares', () => {
  const ctx = { operation: 'resources/read', target: 'docs://x' } as const;

  // Each middleware code: its kind, and the JSON-RPC code core's one mapping answers it with.
  const CODES: readonly [ErrorCode, 'rejected' | 'failed', number][] = [
    ['INVALID_ARGUMENTS', 'rejected', -32602],
    ['PAYLOAD_TOO_LARGE', 'rejected', -32602],
    ['UNAUTHENTICATED', 'rejected', -32603],
    ['FORBIDDEN', 'rejected', -32603],
    ['RATE_LIMITED', 'rejected', -32603],
    ['CONCURRENCY_LIMITED', 'rejected', -32603],
    ['CIRCUIT_OPEN', 'rejected', -32603],
    ['TIMEOUT', 'rejected', -32001],
    ['CANCELLED', 'rejected', -32603],
    ['UPSTREAM_ERROR', 'rejected', -32603],
    ['OUTPUT_INVALID', 'rejected', -32603],
    ['INTERNAL', 'failed', -32603],
  ];

  it('covers every error code there is', () => {
    expect(CODES.map(([code]) => code)).toEqual([...ERROR_CODES]);
  });

  it.each(CODES)('names a thrown %s by its code, as a %s answered with %i', (code, kind, jsonRpcCode) => {
    expect(requestFailureOf(new MiddlewareError(code, 'refused'), ctx)).toEqual({
      kind,
      code,
      jsonRpcCode,
      sdkAnswer: false,
      errorType: code,
    });
  });

  it('names the SDK’s own JSON-RPC error by its code, a rejection when the request was bad', () => {
    expect(requestFailureOf(new McpError(-32602, 'Resource docs://x not found'), ctx)).toEqual({
      kind: 'rejected',
      code: undefined,
      jsonRpcCode: -32602,
      sdkAnswer: true,
      errorType: '-32602',
    });
    expect(requestFailureOf(new McpError(-32603, 'broke'), ctx)).toMatchObject({
      kind: 'failed',
      errorType: '-32603',
    });
  });

  it('names a client’s cancellation CANCELLED, a rejection', () => {
    const cancelled = cancelledError(ctx, new Error('client went away'));
    expect(requestFailureOf(cancelled, ctx)).toMatchObject({
      kind: 'rejected',
      code: 'CANCELLED',
      errorType: 'CANCELLED',
    });
  });

  it('names a deadline that cancelled the request TIMEOUT, answered as a request timeout', () => {
    const deadline = new MiddlewareError('TIMEOUT', 'took too long');
    expect(requestFailureOf(cancelledError(ctx, deadline), ctx)).toMatchObject({
      kind: 'rejected',
      code: 'TIMEOUT',
      jsonRpcCode: -32001,
      errorType: 'TIMEOUT',
    });
  });

  it('names a plain Error _OTHER, a failure answered as an internal error', () => {
    expect(requestFailureOf(new Error('boom'), ctx)).toEqual({
      kind: 'failed',
      code: undefined,
      jsonRpcCode: -32603,
      sdkAnswer: false,
      errorType: '_OTHER',
    });
  });

  it('names a hidden target by its own code while the client gets the not-found code', () => {
    const hidden = asNotFound(new MiddlewareError('FORBIDDEN', 'hidden'));
    expect(requestFailureOf(hidden, ctx)).toEqual({
      kind: 'rejected',
      code: 'FORBIDDEN',
      jsonRpcCode: -32602,
      sdkAnswer: false,
      errorType: 'FORBIDDEN',
    });
  });

  it('names params that failed the SDK’s schema and a value that cannot be read _OTHER', () => {
    const zodError = Object.assign(new Error('[{"code":"invalid_type"}]'), { name: 'ZodError' });
    expect(requestFailureOf(zodError, ctx).errorType).toBe('_OTHER');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(requestFailureOf(revoked.proxy, ctx).errorType).toBe('_OTHER');
  });

  it('names a tool’s own isError answer tool_error: a result, never a failure of the request', () => {
    const answer = { content: [{ type: 'text' as const, text: 'no such city' }], isError: true };
    const outcome = outcomeOfResult(answer);
    expect(outcome.kind).toBe('tool_error');
    expect(errorTypeOf(outcome)).toBe('tool_error');
  });
});

describe('failureKindOf', () => {
  it('calls a failure without a code or with INTERNAL failed, any other code rejected', () => {
    expect(failureKindOf(undefined)).toBe('failed');
    expect(failureKindOf('INTERNAL')).toBe('failed');
    expect(ERROR_CODES.filter((code) => failureKindOf(code) === 'rejected')).toEqual(
      ERROR_CODES.filter((code) => code !== 'INTERNAL'),
    );
  });
});
