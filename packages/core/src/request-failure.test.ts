import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { MiddlewareError } from './errors.js';
import { requestFailureOf } from './request-failure.js';

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
