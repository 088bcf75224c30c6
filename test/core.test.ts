// The core adapter against a real McpServer and Client over InMemoryTransport.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ERROR_META_KEY,
  MiddlewareError,
  createKey,
  withMiddleware,
  type Middleware,
  type ToolContext,
} from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';

const text = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { type: 'text'; text: string }).text;

let connection: InMemoryConnection | undefined;
afterEach(async () => {
  await connection?.close();
  connection = undefined;
});

function newServer(): McpServer {
  return new McpServer({ name: 'core-test', version: '1.0.0' });
}

async function connect(server: McpServer): Promise<InMemoryConnection> {
  connection = await connectInMemory(server);
  return connection;
}

const recorder = (log: string[], name: string): Middleware =>
  async function record(ctx, next) {
    log.push(`${name}>${ctx.tool.name}`);
    const result = await next();
    log.push(`${name}<`);
    return result;
  };

describe('withMiddleware on a real McpServer', () => {
  it('runs the pipeline in onion order around a tool with an input schema', async () => {
    const log: string[] = [];
    const server = withMiddleware(newServer(), [recorder(log, 'outer'), recorder(log, 'inner')]);
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => {
      log.push(`handler:${text}`);
      return { content: [{ type: 'text', text }] };
    });
    const { client } = await connect(server);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(text(result)).toBe('hi');
    expect(log).toEqual(['outer>echo', 'inner>echo', 'handler:hi', 'inner<', 'outer<']);
  });

  it('wraps a tool without an input schema, whose callback takes only extra', async () => {
    const seen: unknown[] = [];
    const server = withMiddleware(newServer(), [
      (ctx, next) => {
        seen.push(ctx.args);
        return next();
      },
    ]);
    server.registerTool('ping', { description: 'no args' }, (extra) => ({
      content: [{ type: 'text', text: `request ${String(extra.requestId)}` }],
    }));
    const { client } = await connect(server);
    const result = await client.callTool({ name: 'ping' });
    expect(text(result)).toMatch(/^request \d+$/);
    expect(seen).toEqual([undefined]);
  });

  it('wraps tools registered before withMiddleware was applied', async () => {
    const log: string[] = [];
    const server = newServer();
    server.registerTool('early', { inputSchema: { n: z.number() } }, ({ n }) => ({
      content: [{ type: 'text', text: String(n * 2) }],
    }));
    withMiddleware(server, [recorder(log, 'mw')]);
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 'early', arguments: { n: 21 } }))).toBe('42');
    expect(log).toEqual(['mw>early', 'mw<']);
  });

  it('wraps tools registered through the deprecated tool() overloads', async () => {
    const log: string[] = [];
    const server = withMiddleware(newServer(), [recorder(log, 'mw')]);

    server.tool('legacy', { q: z.string() }, ({ q }) => ({
      content: [{ type: 'text', text: q.toUpperCase() }],
    }));

    server.tool('legacy_noargs', () => ({ content: [{ type: 'text', text: 'none' }] }));
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 'legacy', arguments: { q: 'abc' } }))).toBe('ABC');
    expect(text(await client.callTool({ name: 'legacy_noargs' }))).toBe('none');
    expect(log).toEqual(['mw>legacy', 'mw<', 'mw>legacy_noargs', 'mw<']);
  });

  it('re-wraps a callback replaced with update({ callback }), and follows renames', async () => {
    const log: string[] = [];
    const server = withMiddleware(newServer(), [recorder(log, 'mw')]);
    const tool = server.registerTool('v1', { inputSchema: { q: z.string() } }, () => ({
      content: [{ type: 'text', text: 'old' }],
    }));
    tool.update({ callback: ({ q }) => ({ content: [{ type: 'text', text: `new ${q}` }] }) });
    tool.update({ name: 'v2' });
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 'v2', arguments: { q: 'x' } }))).toBe('new x');
    expect(log).toEqual(['mw>v2', 'mw<']);
  });

  it('lets a middleware short-circuit without calling the handler', async () => {
    let handlerCalls = 0;
    const server = withMiddleware(newServer(), [
      () => Promise.resolve({ content: [{ type: 'text' as const, text: 'from middleware' }] }),
    ]);
    server.registerTool('t', {}, () => {
      handlerCalls++;
      return { content: [] };
    });
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 't' }))).toBe('from middleware');
    expect(handlerCalls).toBe(0);
  });

  it('lets a middleware call next() twice, running the handler twice', async () => {
    let handlerCalls = 0;
    const twice: Middleware = async (_ctx, next) => {
      await next();
      return next();
    };
    const server = withMiddleware(newServer(), [twice]);
    server.registerTool('count', {}, () => ({ content: [{ type: 'text', text: String(++handlerCalls) }] }));
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 'count' }))).toBe('2');
  });

  it('turns a middleware rejection into an isError result with the code in _meta', async () => {
    const server = withMiddleware(newServer(), [
      () =>
        Promise.reject(
          new MiddlewareError('RATE_LIMITED', 'slow down; retry after 3 s', { retryAfterMs: 3000 }),
        ),
    ]);
    server.registerTool('t', {}, () => ({ content: [] }));
    const { client } = await connect(server);
    const result = await client.callTool({ name: 't' });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('slow down; retry after 3 s');
    expect(result._meta?.[ERROR_META_KEY]).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 3000,
    });
  });

  it('turns a handler throw into an isError result coded INTERNAL', async () => {
    const server = withMiddleware(newServer(), []);
    server.registerTool('t', {}, () => {
      throw new Error('disk full');
    });
    const { client } = await connect(server);
    const result = await client.callTool({ name: 't' });
    expect(result).toMatchObject({ isError: true, _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } } });
    expect(text(result)).toBe('disk full');
  });

  it('aborts ctx.signal when the client cancels the request', async () => {
    let sawAbort!: () => void;
    const aborted = new Promise<void>((resolve) => (sawAbort = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const watch: Middleware = (ctx, next) => {
      ctx.signal.addEventListener('abort', () => sawAbort(), { once: true });
      return next();
    };
    const server = withMiddleware(newServer(), [watch]);
    server.registerTool('slow', {}, (extra) => {
      started();
      return new Promise<CallToolResult>((resolve) =>
        extra.signal.addEventListener('abort', () => resolve({ content: [] }), { once: true }),
      );
    });
    const { client } = await connect(server);
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow' }, undefined, { signal: controller.signal });
    await running;
    controller.abort(new Error('user pressed stop'));
    await expect(call).rejects.toThrow();
    await aborted;
  });

  it('keeps progress notifications working through the pipeline', async () => {
    const server = withMiddleware(newServer(), [recorder([], 'mw')]);
    server.registerTool('work', { inputSchema: { steps: z.number() } }, async ({ steps }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
        }
      }
      return { content: [{ type: 'text', text: 'done' }] };
    });
    const { client } = await connect(server);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'work', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(result)).toBe('done');
    expect(progress).toEqual([1, 2, 3]);
  });

  it('runs the pipeline before the SDK validates arguments, and the SDK still refuses bad ones', async () => {
    let pipelineCalls = 0;
    const server = withMiddleware(newServer(), [
      (_ctx, next) => {
        pipelineCalls++;
        return next();
      },
    ]);
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const { client } = await connect(server);
    const result = await client.callTool({ name: 'echo', arguments: { text: 5 } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Input validation error');
    expect(pipelineCalls).toBe(1);
  });

  it('passes the arguments as the client sent them; the handler gets them parsed (zod defaults applied)', async () => {
    const seen: unknown[] = [];
    const server = withMiddleware(newServer(), [
      (ctx, next) => {
        seen.push(ctx.args);
        return next();
      },
    ]);
    const handled: unknown[] = [];
    server.registerTool('page', { inputSchema: { limit: z.number().default(10) } }, (args) => {
      handled.push(args);
      return { content: [] };
    });
    const { client } = await connect(server);
    await client.callTool({ name: 'page', arguments: {} });
    expect(seen).toEqual([{}]);
    expect(handled).toEqual([{ limit: 10 }]);
  });

  it('still applies the tool’s output schema after the pipeline', async () => {
    const server = withMiddleware(newServer(), []);
    server.registerTool('typed', { outputSchema: { n: z.number() } }, () => ({
      content: [{ type: 'text', text: 'x' }],
      structuredContent: { n: 'not a number' },
    }));
    const { client } = await connect(server);
    const result = await client
      .callTool({ name: 'typed' })
      .catch((error: unknown) => ({ isError: true, content: [{ type: 'text', text: String(error) }] }));
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/[Oo]utput validation error|structured content/);
  });

  it('lets middlewares share typed per-call state and hand the handler new args', async () => {
    const userKey = createKey<string>('user');
    const seen: unknown[] = [];
    const identify: Middleware = (ctx, next) => {
      ctx.set(userKey, 'alice');
      return next(ctx.with({ args: { ...ctx.args, text: `${String(ctx.args?.text)}!` } }));
    };
    const audit: Middleware = async (ctx: ToolContext, next) => {
      const result = await next();
      seen.push(ctx.get(userKey));
      return result;
    };
    const server = withMiddleware(newServer(), [audit, identify]);
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const { client } = await connect(server);
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'hey' } }))).toBe('hey!');
    expect(seen).toEqual(['alice']);
  });

  it('refuses a second pipeline on the same server with a clear error', () => {
    const server = withMiddleware(newServer(), []);
    expect(() => withMiddleware(server, [])).toThrow(/already has a pipeline/);
  });

  it('answers INTERNAL naming the middleware that returns a non-result', async () => {
    const broken = async function brokenCache(): Promise<CallToolResult> {
      return Promise.resolve({ content: 'oops' } as unknown as CallToolResult);
    };
    const server = withMiddleware(newServer(), [broken], { debug: true });
    server.registerTool('t', {}, () => ({ content: [] }));
    const { client } = await connect(server);
    const result = await client.callTool({ name: 't' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(
      '`brokenCache` (pipeline index 0) returned an object whose content is a string',
    );
  });
});
