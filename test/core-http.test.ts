// The core adapter over Streamable HTTP on 127.0.0.1, with the real SDK client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ERROR_META_KEY,
  MiddlewareError,
  withMiddleware,
  type Middleware,
  type ToolContext,
} from '@mcp-middleware/core';
import { serveHttp, type HttpFixture } from './helpers/http-server.js';

const text = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { type: 'text'; text: string }).text;

const seen: ToolContext[] = [];
const aborted: string[] = [];

const observe: Middleware = async (ctx, next) => {
  seen.push(ctx);
  ctx.signal.addEventListener('abort', () => aborted.push(ctx.tool.name), { once: true });
  return next();
};
const denyAdmin: Middleware = (ctx, next) =>
  ctx.tool.name.startsWith('admin_')
    ? Promise.reject(new MiddlewareError('FORBIDDEN', `tool \`${ctx.tool.name}\` needs scope admin`))
    : next();

function makeServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'http-test', version: '1.0.0' }), [observe, denyAdmin]);
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('admin_reset', {}, () => ({ content: [{ type: 'text', text: 'reset' }] }));
  // Results that are results in shape but cannot be written as JSON, and ones that are not results.
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const broken: Record<string, () => unknown> = {
    'circular-meta': () => ({ content: [], _meta: circular }),
    'bigint-structured': () => ({ content: [], structuredContent: { n: 10n } }),
    'bigint-in-content': () => ({ content: [{ type: 'text', text: 'x', _meta: { n: 1n } }] }),
    'an-array': () => [{ type: 'text', text: 'x' }],
    'a-string': () => 'done',
  };
  for (const [name, make] of Object.entries(broken)) server.registerTool(name, {}, make as never);
  server.registerTool('countdown', { inputSchema: { from: z.number() } }, async ({ from }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = from; i > 0; i--) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: from - i + 1, total: from },
        });
      }
    }
    return { content: [{ type: 'text', text: 'liftoff' }] };
  });
  server.registerTool(
    'hang',
    {},
    (extra) =>
      new Promise<CallToolResult>((resolve) =>
        extra.signal.addEventListener('abort', () => resolve({ content: [] }), { once: true }),
      ),
  );
  return server;
}

let fixture: HttpFixture;
let client: Client;

beforeAll(async () => {
  fixture = await serveHttp(makeServer);
  client = new Client({ name: 'http-test-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(fixture.url));
});

afterAll(async () => {
  await client.close();
  await fixture.close();
});

describe('withMiddleware over Streamable HTTP', () => {
  it('answers INTERNAL for every result that is no result or cannot be sent as JSON, and keeps serving', async () => {
    const names = ['circular-meta', 'bigint-structured', 'bigint-in-content', 'an-array', 'a-string'];
    const results = await Promise.all(names.map((name) => client.callTool({ name })));
    for (const [i, result] of results.entries()) {
      expect(result, names[i]).toMatchObject({
        isError: true,
        _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } },
      });
    }
    expect(text(results[0])).toContain('cannot be sent as JSON (a cycle)');
    expect(text(results[1])).toContain('a BigInt');
    expect(text(results[3])).toContain('an array instead of a tool result');
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
  });

  it('runs the pipeline and answers the call', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { text: 'over http' } });
    expect(text(result)).toBe('over http');
  });

  it('gives middlewares the session id and the HTTP request headers', async () => {
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    const ctx = seen.at(-1);
    expect(ctx?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx?.requestInfo?.headers['content-type']).toContain('application/json');
  });

  it('maps a rejection to an isError result with its code', async () => {
    const result = await client.callTool({ name: 'admin_reset' });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('tool `admin_reset` needs scope admin');
    expect(result._meta?.[ERROR_META_KEY]).toEqual({ code: 'FORBIDDEN', retryable: false });
  });

  it('forwards progress notifications from the handler', async () => {
    const progress: number[] = [];
    const result = await client.callTool({ name: 'countdown', arguments: { from: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(result)).toBe('liftoff');
    expect(progress).toEqual([1, 2, 3]);
  });

  it('aborts ctx.signal when the client cancels', async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: 'hang' }, undefined, { signal: controller.signal });
    await expect.poll(() => seen.some((c) => c.tool.name === 'hang')).toBe(true);
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow();
    await expect.poll(() => aborted.includes('hang')).toBe(true);
  });
});
