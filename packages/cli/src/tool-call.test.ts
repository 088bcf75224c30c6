import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isMiddlewareError } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { forwardMeta, toolInfoOf, upstreamFailure } from './tool-call.js';

const ctx = createTestContext({ tool: { name: 'search' } });

describe('forwardMeta', () => {
  it("drops the client's progress token and keeps the rest", () => {
    expect(forwardMeta({ progressToken: 7, traceparent: '00-abc' })).toEqual({ traceparent: '00-abc' });
  });

  it('returns undefined when only the progress token was there', () => {
    expect(forwardMeta({ progressToken: 7 })).toBeUndefined();
  });

  it('passes meta without a token through as the same object', () => {
    const meta = { traceparent: '00-abc' };
    expect(forwardMeta(meta)).toBe(meta);
  });
});

describe('upstreamFailure', () => {
  it('turns a closed connection into a retryable UPSTREAM_ERROR', () => {
    const error = upstreamFailure(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), ctx, 1000);
    expect(isMiddlewareError(error, 'UPSTREAM_ERROR') && error.retryable).toBe(true);
  });

  it('turns an upstream request timeout into TIMEOUT naming the bound', () => {
    const error = upstreamFailure(new McpError(ErrorCode.RequestTimeout, 'Request timed out'), ctx, 1500);
    expect(isMiddlewareError(error, 'TIMEOUT')).toBe(true);
    expect((error as Error).message).toContain('within 1500 ms');
  });

  it('turns a JSON-RPC error from upstream into a non-retryable UPSTREAM_ERROR carrying its code', () => {
    const error = upstreamFailure(new McpError(ErrorCode.InvalidParams, 'bad'), ctx, 1000);
    expect(isMiddlewareError(error, 'UPSTREAM_ERROR') && error.retryable).toBe(false);
    expect((error as { data?: unknown }).data).toEqual({ rpcCode: ErrorCode.InvalidParams });
  });

  it('lets a URL elicitation error through untouched, as the SDK does', () => {
    const original = new McpError(ErrorCode.UrlElicitationRequired, 'elicit');
    expect(upstreamFailure(original, ctx, 1000)).toBe(original);
  });

  it("hands back the signal's own reason once the call was cancelled", () => {
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    const cancelled = createTestContext({ signal: controller.signal });
    const reason = controller.signal.reason as Error;
    expect(upstreamFailure(reason, cancelled, 1000)).toBe(reason);
  });
});

describe('toolInfoOf', () => {
  it('keeps the JSON Schemas and annotations as the upstream listed them', () => {
    const inputSchema = { type: 'object' as const, properties: { q: { type: 'string' } } };
    const info = toolInfoOf({ name: 'search', inputSchema, annotations: { readOnlyHint: true } });
    expect(info.inputSchema).toBe(inputSchema);
    expect(info.annotations).toEqual({ readOnlyHint: true });
    expect(Object.isFrozen(info)).toBe(true);
  });
});
