import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createToolRunner, isMiddlewareError } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import {
  checkedToolResult,
  forwardMeta,
  toolInfoOf,
  upstreamFailure,
  upstreamProtocolError,
} from './tool-call.js';

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

describe('upstreamProtocolError', () => {
  it('removes exactly one SDK prefix, so a message that quotes another stays as the upstream sent it', () => {
    const inner = new McpError(ErrorCode.InvalidParams, 'MCP error -32602: from a deeper hop');
    expect(upstreamProtocolError(inner).message).toBe('MCP error -32602: from a deeper hop');
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

  it.each([ErrorCode.InvalidParams, ErrorCode.MethodNotFound, ErrorCode.UrlElicitationRequired, -1])(
    'passes an upstream JSON-RPC error %i through with its code, unprefixed message and data',
    (code) => {
      const error = upstreamFailure(new McpError(code, 'Tool nope not found', { hint: 1 }), ctx, 1000);
      expect(isMiddlewareError(error)).toBe(false);
      expect(error).toMatchObject({ code, message: 'Tool nope not found', data: { hint: 1 } });
    },
  );

  it('marks a passed-through upstream error so the pipeline answers it as a JSON-RPC error', async () => {
    const runner = createToolRunner([]);
    const failed = upstreamFailure(new McpError(ErrorCode.InvalidParams, 'bad'), ctx, 1000);
    const run = runner.bind({ name: 'search' }, () => Promise.reject(failed));
    await expect(run({}, createTestContext().extra)).rejects.toBe(failed);
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

describe('checkedToolResult', () => {
  // Each field of a result in the shapes a hand check could get wrong; every combination is compared.
  const CONTENT: unknown[] = [
    undefined,
    [],
    [{ type: 'text', text: 'a' }],
    [{ type: 'text', text: 'a', foo: 1 }],
    [{ type: 'text' }],
    [{ type: 'text', text: 'a', annotations: { priority: 7 } }],
    [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }],
    [null],
    'text',
  ];
  const IS_ERROR: unknown[] = [undefined, true, 'yes'];
  const STRUCTURED: unknown[] = [undefined, { n: 1 }, [1]];
  const META: unknown[] = [
    undefined,
    { a: 1 },
    'm',
    { progressToken: 't' },
    { progressToken: {} },
    { progressToken: 1.5 },
    { 'io.modelcontextprotocol/related-task': { taskId: 't' } },
    { 'io.modelcontextprotocol/related-task': { taskId: 1 } },
  ];

  it('passes, fills and refuses exactly as CallToolResultSchema does, over every combination', () => {
    let refused = 0;
    for (const content of CONTENT)
      for (const isError of IS_ERROR)
        for (const structuredContent of STRUCTURED)
          for (const _meta of META) {
            const result = Object.fromEntries(
              Object.entries({ content, isError, structuredContent, _meta }).filter(
                ([, v]) => v !== undefined,
              ),
            );
            const sdk = CallToolResultSchema.safeParse(result);
            let ours: unknown;
            try {
              ours = { ok: checkedToolResult(result) };
            } catch {
              ours = { refused: true };
            }
            expect({ result, ours }).toEqual({
              result,
              ours: sdk.success ? { ok: sdk.data } : { refused: true },
            });
            if (!sdk.success) refused += 1;
          }
    expect(refused).toBeGreaterThan(100);
  });
});
