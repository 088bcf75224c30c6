// SDK v2 (@modelcontextprotocol/server 2.x): one pipeline on its McpServer and low-level Server, on the
// 2025-11-25 wire (stateful, in memory) and on 2026-07-28 (stateless HTTP, a server built per request).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createMcpHandler } from '@modelcontextprotocol/server';
import {
  ERROR_META_KEY,
  createToolRunner,
  defineMiddleware,
  withMiddleware,
  wrapTool,
  type Middleware,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { auth } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import {
  ERAS,
  McpServer,
  Server,
  connectV2,
  lastResponse,
  type Era,
  type V2Connection,
} from './helpers/sdk-v2.js';

const open: V2Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(
  era: Era,
  factory: () => McpServer | Server,
  authInfo?: unknown,
): Promise<V2Connection> {
  const connection = await connectV2(
    era,
    factory,
    authInfo === undefined ? {} : { authInfo: authInfo as never },
  );
  open.push(connection);
  return connection;
}

const text = (result: unknown): string =>
  ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
const codeOf = (result: unknown): unknown =>
  (result as { _meta?: Record<string, { code?: string }> })._meta?.[ERROR_META_KEY]?.code;

/** Records what each request looked like to the pipeline. */
function recorder(): { middleware: Middleware; seen: RequestContext[] } {
  const seen: RequestContext[] = [];
  const middleware = defineMiddleware('recorder', {
    tools: (ctx, next) => {
      seen.push(ctx);
      return next();
    },
    requests: {
      '*': (ctx, next) => {
        seen.push(ctx);
        return next();
      },
    },
  });
  return { middleware, seen };
}

function echoServer(): McpServer {
  const server = new McpServer({ name: 'v2-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text: value }) => ({
    content: [{ type: 'text', text: value }],
  }));
  return server;
}

describe.each(ERAS)('SDK v2 on the %s era', (era) => {
  it('runs tools registered before and after withMiddleware through the pipeline', async () => {
    const { middleware, seen } = recorder();
    const runner = createToolRunner(middleware);
    const { client } = await connect(era, () => {
      const server = echoServer();
      withMiddleware(server, runner);
      server.registerTool('later', {}, () => ({ content: [{ type: 'text', text: 'later' }] }));
      return server;
    });
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'a' } }))).toBe('a');
    expect(text(await client.callTool({ name: 'later', arguments: {} }))).toBe('later');
    const calls = seen.filter((ctx) => ctx.operation === 'tools/call').map((ctx) => ctx.target);
    expect(calls).toEqual(['echo', 'later']);
  });

  it('cancels the handler’s own signal (ctx.mcpReq.signal) when timeout fires', async () => {
    let abortedInHandler: boolean | undefined;
    const runner = createToolRunner(timeout({ timeoutMs: 30 }));
    const { client } = await connect(era, () => {
      const server = withMiddleware(new McpServer({ name: 's', version: '1' }), runner);
      server.registerTool('slow', {}, (ctx) => {
        const signal = ctx.mcpReq.signal;
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            abortedInHandler = true;
            resolve({ content: [{ type: 'text', text: 'gave up' }] });
          });
        });
      });
      return server;
    });
    const result = await client.callTool({ name: 'slow', arguments: {} });
    expect(codeOf(result)).toBe('TIMEOUT');
    await vi.waitFor(() => expect(abortedInHandler).toBe(true));
  });

  it('keeps the pipeline and runs the new callback after update({ callback })', async () => {
    const { middleware, seen } = recorder();
    const runner = createToolRunner(middleware);
    const { client } = await connect(era, () => {
      const server = echoServer();
      withMiddleware(server, runner);
      const registered = server.registerTool('swap', {}, () => ({
        content: [{ type: 'text', text: 'old' }],
      }));
      registered.update({ callback: () => ({ content: [{ type: 'text', text: 'new' }] }) });
      return server;
    });
    expect(text(await client.callTool({ name: 'swap', arguments: {} }))).toBe('new');
    expect(seen.map((ctx) => ctx.target)).toContain('swap');
  });

  it('lets retry see what a tool throws, and answers with the redacted text', async () => {
    let attempts = 0;
    const runner = createToolRunner(retry({ retries: 2, backoff: () => 0 }));
    const { client } = await connect(era, () => {
      const server = withMiddleware(new McpServer({ name: 's', version: '1' }), runner);
      server.registerTool('flaky', { annotations: { idempotentHint: true } }, () => {
        attempts += 1;
        throw new Error('upstream refused Bearer abc.def.ghi');
      });
      return server;
    });
    const result = await client.callTool({ name: 'flaky', arguments: {} });
    expect(attempts).toBe(3);
    expect(result.isError).toBe(true);
    expect(text(result)).not.toContain('abc.def.ghi');
  });

  it('answers an unknown tool exactly as the bare server does', async () => {
    const bare = await connect(era, echoServer);
    const runner = createToolRunner(recorder().middleware);
    const wrapped = await connect(era, () => withMiddleware(echoServer(), runner));
    const bareError = await bare.client.callTool({ name: 'nope', arguments: {} }).catch((e: unknown) => e);
    const wrappedError = await wrapped.client
      .callTool({ name: 'nope', arguments: {} })
      .catch((e: unknown) => e);
    expect(lastResponse(wrapped.wire)).toMatchObject({
      error: (lastResponse(bare.wire) as { error: object }).error,
    });
    expect(String(wrappedError)).toBe(String(bareError));
  });

  it('hides a tool the caller may not use exactly as an unknown one, and leaves it out of the list', async () => {
    const guard = auth({ tools: { 'admin_*': { scopes: ['admin'] } } });
    const runner = createToolRunner(guard);
    const build = (): McpServer => {
      const server = echoServer();
      server.registerTool('admin_reset', {}, () => ({ content: [{ type: 'text', text: 'reset' }] }));
      return withMiddleware(server, runner);
    };
    const authInfo = { token: 'key-1', clientId: 'alice', scopes: ['read'] };
    const wrapped = await connect(era, build, authInfo);
    const bare = await connect(era, echoServer, authInfo);
    const listed = await wrapped.client.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual(['echo']);
    await wrapped.client.callTool({ name: 'admin_reset', arguments: {} }).catch(() => undefined);
    await bare.client.callTool({ name: 'admin_reset', arguments: {} }).catch(() => undefined);
    expect((lastResponse(wrapped.wire) as { error?: unknown }).error).toEqual(
      (lastResponse(bare.wire) as { error?: unknown }).error,
    );
  });

  it('marks a list filtered per caller private to caches on the 2026 wire, even where the server hints public', async () => {
    const guard = auth({ tools: { 'admin_*': { scopes: ['admin'] } } });
    const runner = createToolRunner(guard);
    const hinted = (): McpServer => {
      const server = new McpServer(
        { name: 'hinted', version: '1' },
        { cacheHints: { 'tools/list': { ttlMs: 60_000, cacheScope: 'public' } } },
      );
      server.registerTool('admin_reset', {}, () => ({ content: [] }));
      server.registerTool('echo', {}, () => ({ content: [] }));
      return server;
    };
    const authInfo = { token: 't', clientId: 'alice', scopes: ['read'] };
    const bare = await connect(era, hinted, authInfo);
    const wrapped = await connect(era, () => withMiddleware(hinted(), runner), authInfo);
    await bare.client.listTools();
    await wrapped.client.listTools();
    const bareList = (lastResponse(bare.wire) as { result: Record<string, unknown> }).result;
    const wrappedList = (lastResponse(wrapped.wire) as { result: Record<string, unknown> }).result;
    if (era === 'modern') {
      expect(bareList.cacheScope).toBe('public');
      expect(wrappedList.cacheScope).toBe('private');
      expect(wrappedList.ttlMs).toBe(60_000);
    } else {
      expect(wrappedList.cacheScope).toBeUndefined();
      expect(Object.keys(wrappedList).sort()).toEqual(Object.keys(bareList).sort());
    }
  });

  it('hides a prompt and a resource exactly as unknown ones, byte for byte', async () => {
    const guard = auth({
      prompts: { 'admin_*': { scopes: ['admin'] } },
      resources: { 'secret://*': { scopes: ['admin'] } },
    });
    const runner = createToolRunner(guard);
    const full = (): McpServer => {
      const server = echoServer();
      server.registerPrompt('admin_greet', {}, () => ({
        messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
      }));
      server.registerResource('keys', 'secret://keys', {}, (uri) => ({
        contents: [{ uri: uri.href, text: 'k' }],
      }));
      server.registerResource('readme', 'docs://readme', {}, (uri) => ({
        contents: [{ uri: uri.href, text: 'r' }],
      }));
      return server;
    };
    const bareOnly = (): McpServer => {
      const server = echoServer();
      server.registerPrompt('other', {}, () => ({ messages: [] }));
      server.registerResource('readme', 'docs://readme', {}, (uri) => ({
        contents: [{ uri: uri.href, text: 'r' }],
      }));
      return server;
    };
    const authInfo = { token: 't', clientId: 'alice', scopes: ['read'] };
    const wrapped = await connect(era, () => withMiddleware(full(), runner), authInfo);
    const bare = await connect(era, bareOnly, authInfo);
    for (const ask of [
      (c: V2Connection) => c.client.getPrompt({ name: 'admin_greet' }),
      (c: V2Connection) => c.client.readResource({ uri: 'secret://keys' }),
    ]) {
      await ask(wrapped).catch(() => undefined);
      await ask(bare).catch(() => undefined);
      const hidden = lastResponse(wrapped.wire) as { error?: unknown };
      expect(hidden.error).toBeDefined();
      expect(hidden.error).toEqual((lastResponse(bare.wire) as { error?: unknown }).error);
    }
    const resources = await wrapped.client.listResources();
    expect(resources.resources.map((r) => r.uri)).toEqual(['docs://readme']);
  });

  it('maps the v2 context: request id, _meta with the 2026 envelope, authInfo, headers, session', async () => {
    const { middleware, seen } = recorder();
    const runner = createToolRunner(middleware);
    const authInfo = { token: 't', clientId: 'client-7', scopes: ['a'] };
    const { client } = await connect(era, () => withMiddleware(echoServer(), runner), authInfo);
    await client.callTool({
      name: 'echo',
      arguments: { text: 'x' },
      _meta: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', progressToken: 7 },
    });
    const ctx = seen.find((c) => c.operation === 'tools/call') as ToolContext;
    expect(ctx.args).toEqual({ text: 'x' });
    expect(ctx.requestId).toBeDefined();
    expect(ctx.meta?.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(ctx.meta?.progressToken).toBe(7);
    expect(ctx.authInfo?.clientId).toBe('client-7');
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    if (era === 'modern') {
      expect(ctx.meta?.['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');
      expect(ctx.requestInfo?.headers['mcp-method']).toBe('tools/call');
      expect(ctx.sessionId).toBeUndefined();
    }
  });

  it('gives our refusals the same shape as the rest of the results on the wire', async () => {
    const runner = createToolRunner(rateLimit({ limit: 1, windowMs: 60_000, keyBy: 'tool' }));
    const bare = await connect(era, echoServer);
    const { client, wire } = await connect(era, () => withMiddleware(echoServer(), runner));
    await bare.client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    const allowed = lastResponse(wire) as { result: Record<string, unknown> };
    const refused = await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    const onWire = lastResponse(wire) as { result: Record<string, unknown> };
    const bareResult = (lastResponse(bare.wire) as { result: Record<string, unknown> }).result;
    expect(Object.keys(allowed.result).sort()).toEqual(Object.keys(bareResult).sort());
    expect(onWire.result.resultType).toBe(bareResult.resultType);
    if (era === 'modern') expect(onWire.result.resultType).toBe('complete');
  });

  it('runs a low-level Server’s handlers through the pipeline', async () => {
    const { middleware, seen } = recorder();
    const runner = createToolRunner(middleware);
    const { client } = await connect(era, () => {
      const server = new Server({ name: 'low', version: '1' }, { capabilities: { tools: {} } });
      withMiddleware(server, runner);
      server.setRequestHandler('tools/list', () => ({
        tools: [{ name: 'raw', inputSchema: { type: 'object' } }],
      }));
      server.setRequestHandler('tools/call', (request) => ({
        content: [{ type: 'text', text: `raw ${request.params.name}` }],
      }));
      return server;
    });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['raw']);
    expect(text(await client.callTool({ name: 'raw', arguments: {} }))).toBe('raw raw');
    expect(seen.map((ctx) => ctx.operation)).toEqual(['tools/list', 'tools/call']);
  });

  it('wrapTool gives timeout, cache and auth what they need from a v2 callback', async () => {
    let runs = 0;
    const pipeline = [auth(), cache({ ttlMs: 60_000 }), timeout({ timeoutMs: 5_000 })];
    const info = { name: 'counted', inputSchema: z.object({ n: z.number() }) };
    const { client } = await connect(
      era,
      () => {
        const server = new McpServer({ name: 's', version: '1' });
        server.registerTool(
          'counted',
          { inputSchema: info.inputSchema, annotations: { readOnlyHint: true } },
          wrapTool(
            (args: { n: number }, ctx: { mcpReq: { signal: AbortSignal } }) => {
              runs += 1;
              return { content: [{ type: 'text', text: `${args.n} aborted=${ctx.mcpReq.signal.aborted}` }] };
            },
            pipeline,
            { ...info, annotations: { readOnlyHint: true } },
          ),
        );
        return server;
      },
      { token: 'k', clientId: 'c', scopes: [] },
    );
    const first = await client.callTool({ name: 'counted', arguments: { n: 1 } });
    const second = await client.callTool({ name: 'counted', arguments: { n: 1 } });
    expect(text(first)).toBe('1 aborted=false');
    expect(text(second)).toBe('1 aborted=false');
    expect(runs).toBe(1);
  });
});

describe('withMiddleware on a v2 server it cannot cover', () => {
  it('refuses before changing anything when a tool record lacks the executor v2 runs', () => {
    const server = echoServer();
    const registry = (server as unknown as { _registeredTools: Record<string, Record<string, unknown>> })
      ._registeredTools;
    const tool = registry.echo as Record<string, unknown>;
    const executor = tool.executor;
    delete tool.executor;
    const handlers = (server.server as unknown as { _requestHandlers: Map<string, unknown> })
      ._requestHandlers;
    const before = new Map(handlers);
    expect(() => withMiddleware(server, recorder().middleware)).toThrow(/nothing was changed/);
    expect((server.server as unknown as { _requestHandlers: unknown })._requestHandlers).toBe(handlers);
    expect(new Map(handlers)).toEqual(before);
    tool.executor = executor;
    expect(() => withMiddleware(server, recorder().middleware)).not.toThrow();
  });

  it('refuses a second pipeline on the same v2 server', () => {
    const server = withMiddleware(echoServer(), recorder().middleware);
    expect(() => withMiddleware(server, recorder().middleware)).toThrow(/already has a pipeline/);
  });
});

describe('withMiddleware and the answers v2 gives before any handler runs', () => {
  // On 2026-07-28, v2 answers a method without a handler at dispatch with HTTP 404 + -32601; an error a
  // handler produces goes in-band on HTTP 200. A wrapped server must keep the SDK's own answer.
  const post = async (factory: () => McpServer, method: string): Promise<[number, unknown]> => {
    const handler = createMcpHandler(factory, { legacy: 'reject' });
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const response = await handler.fetch(
      new Request('http://mcp.test/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { _meta: meta } }),
      }),
    );
    const answer: [number, unknown] = [response.status, await response.json()];
    await handler.close();
    return answer;
  };

  it.each(['unknown/method', 'ping', 'logging/setLevel', 'resources/subscribe', 'initialize'])(
    'answers %s with the HTTP status and body of the bare server',
    async (method) => {
      const bare = await post(() => echoServer(), method);
      const wrapped = await post(() => withMiddleware(echoServer(), recorder().middleware), method);
      expect(bare[0]).toBeGreaterThanOrEqual(400);
      expect(wrapped).toEqual(bare);
    },
  );
});
