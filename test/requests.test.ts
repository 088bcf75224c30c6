// The request-level seam: every request a real McpServer (or low-level Server) answers passes the pipeline.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ERROR_META_KEY,
  MiddlewareError,
  createToolRunner,
  defineMiddleware,
  withMiddleware,
  type Middleware,
  type Operation,
} from '@mcp-middleware/core';
import { connectInMemory, hostileValues, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { asNotFound } from '@mcp-middleware/core/helpers';
import { withTwinItems } from './fixtures/twin-items.js';
import { auditReads } from '../examples/basic/src/audit-reads.js';

const open: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(server: McpServer | Server): Promise<Client> {
  const connection = await connectInMemory(server);
  open.push(connection);
  return connection.client;
}

/** A server with one of everything, and a secret twin of each that a guard may hide. */
function newServer(): McpServer {
  return withTwinItems(new McpServer({ name: 'requests-test', version: '1.0.0' }));
}

/** Records every request the pipeline sees, by operation and target. */
function spy(seen: string[]): Middleware {
  return defineMiddleware('spy', {
    tools: (ctx, next) => {
      seen.push(`${ctx.operation} ${ctx.target ?? ''}`);
      return next();
    },
    requests: {
      '*': (ctx, next) => {
        seen.push(`${ctx.operation} ${ctx.target ?? ''}`);
        return next();
      },
    },
  });
}

async function everyRequest(client: Client): Promise<void> {
  await client.listTools();
  await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  await client.listPrompts();
  await client.getPrompt({ name: 'greet', arguments: { who: 'ann' } });
  await client.listResources();
  await client.listResourceTemplates();
  await client.readResource({ uri: 'docs://readme' });
  await client.complete({
    ref: { type: 'ref/resource', uri: 'notes://{id}' },
    argument: { name: 'id', value: '' },
  });
}

describe('the request-level seam', () => {
  it('runs every request the server answers through the pipeline, naming its target', async () => {
    const seen: string[] = [];
    const client = await connect(withMiddleware(newServer(), [spy(seen)]));
    await everyRequest(client);
    expect(seen).toEqual([
      'tools/list ',
      'tools/call echo',
      'prompts/list ',
      'prompts/get greet',
      'resources/list ',
      'resources/templates/list ',
      'resources/read docs://readme',
      'completion/complete notes://{id}',
    ]);
  });

  it('covers handlers the server registers after withMiddleware', async () => {
    const seen: string[] = [];
    const server = withMiddleware(new McpServer({ name: 'late', version: '1.0.0' }), [spy(seen)]);
    server.registerResource('late', 'late://one', {}, () => ({
      contents: [{ uri: 'late://one', text: 'x' }],
    }));
    server.registerPrompt('later', {}, () => ({ messages: [] }));
    const client = await connect(server);
    await client.readResource({ uri: 'late://one' });
    await client.getPrompt({ name: 'later' });
    expect(seen).toEqual(['resources/read late://one', 'prompts/get later']);
  });

  it('keeps tool middlewares (no `requests`) on tool calls only', async () => {
    const operations: Operation[] = [];
    const toolOnly: Middleware = (ctx, next) => {
      operations.push(ctx.operation);
      return next();
    };
    const client = await connect(withMiddleware(newServer(), [toolOnly]));
    await everyRequest(client);
    expect(operations).toEqual(['tools/call']);
  });

  it('runs a tools/call before the SDK parses it, and for a tool the server does not know', async () => {
    const seen: { name: string; args: unknown; known: boolean }[] = [];
    const observe: Middleware = (ctx, next) => {
      seen.push({ name: ctx.tool.name, args: ctx.args, known: ctx.tool.inputSchema !== undefined });
      return next();
    };
    const client = await connect(withMiddleware(newServer(), [observe]));
    await client.callTool({ name: 'echo', arguments: { text: 5 } });
    await client.callTool({ name: 'nope', arguments: { a: 1 } });
    expect(seen).toEqual([
      { name: 'echo', args: { text: 5 }, known: true },
      { name: 'nope', args: { a: 1 }, known: false },
    ]);
  });

  it('shows a disabled tool to middlewares as an unknown name, without its schema', async () => {
    const seen: unknown[] = [];
    const server = withMiddleware(newServer(), [
      (ctx, next) => {
        seen.push(ctx.tool);
        return next();
      },
    ]);
    const hidden = server.registerTool('off', { inputSchema: { secret: z.string() } }, () => ({
      content: [],
    }));
    hidden.disable();
    const client = await connect(server);
    const result = await client.callTool({ name: 'off', arguments: {} });
    expect(seen).toEqual([{ name: 'off' }]);
    expect(result).toMatchObject({
      isError: true,
      content: [{ text: 'MCP error -32602: Tool off disabled' }],
    });
  });

  it('runs a method the server has no handler for through the pipeline, then answers as the bare server', async () => {
    const seen: string[] = [];
    const bare = await connect(newServer());
    const wrapped = await connect(withMiddleware(newServer(), [spy(seen)]));
    const ask = (client: Client): Promise<unknown> =>
      client
        .request({ method: 'no/such/method', params: { name: 'x' } }, CallToolRequestSchema.pick({}))
        .catch((e: McpError) => [e.code, e.message]);
    const answer = await ask(wrapped);
    expect(answer).toEqual(await ask(bare));
    expect(answer).toEqual([-32601, 'MCP error -32601: Method not found']);
    expect(seen).toEqual(['no/such/method x']);
  });

  it('answers an unknown tool, prompt and resource exactly as the bare server does', async () => {
    const bare = await connect(newServer());
    const wrapped = await connect(withMiddleware(newServer(), [spy([])]));
    const answers = async (client: Client): Promise<unknown[]> => [
      await client.callTool({ name: 'nope' }),
      await client.getPrompt({ name: 'nope' }).catch((e: McpError) => [e.code, e.message]),
      await client.readResource({ uri: 'nope://x' }).catch((e: McpError) => [e.code, e.message]),
      await client
        .request({ method: 'tools/call', params: { arguments: 1 } }, CallToolRequestSchema.pick({}))
        .catch((e: McpError) => [e.code, e.message]),
    ];
    expect(await answers(wrapped)).toEqual(await answers(bare));
  });

  it('answers a hidden tool, prompt and resource exactly as an unknown one (no existence leak)', async () => {
    const hide = defineMiddleware('hide', {
      tools: (ctx, next) =>
        ctx.tool.name.startsWith('admin_')
          ? Promise.reject(asNotFound(new MiddlewareError('FORBIDDEN', 'no')))
          : next(),
      requests: {
        '*': (ctx, next) =>
          /^(admin_|secret:)/.test(ctx.target ?? '')
            ? Promise.reject(asNotFound(new MiddlewareError('FORBIDDEN', 'no')))
            : next(),
      },
    });
    const client = await connect(withMiddleware(newServer(), [hide]));
    const hidden = [
      await client.callTool({ name: 'admin_echo', arguments: { text: 'x' } }),
      await client
        .getPrompt({ name: 'admin_greet', arguments: { who: 'x' } })
        .catch((e: McpError) => [e.code, e.message]),
      await client.readResource({ uri: 'secret://keys' }).catch((e: McpError) => [e.code, e.message]),
    ];
    const unknown = [
      await client.callTool({ name: 'admin_nope', arguments: { text: 'x' } }),
      await client.getPrompt({ name: 'admin_nope' }).catch((e: McpError) => [e.code, e.message]),
      await client.readResource({ uri: 'secret://nope' }).catch((e: McpError) => [e.code, e.message]),
    ];
    const strip = (answers: unknown[]): string =>
      JSON.stringify(answers).replace(/admin_\w+|secret:\/\/\w+/g, 'X');
    expect(strip(hidden)).toBe(strip(unknown));
    expect(JSON.stringify(hidden)).not.toContain(ERROR_META_KEY);
  });

  it('filters a list in a tools/list step', async () => {
    const filter = defineMiddleware('filter', {
      requests: {
        'tools/list': async (_ctx, next) => {
          const result = await next();
          return { ...result, tools: result.tools.filter((t) => !t.name.startsWith('admin_')) };
        },
      },
    });
    const client = await connect(withMiddleware(newServer(), [filter]));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    // A middleware with no tools step does not slow or change tool calls.
    expect(
      await client.callTool({ name: 'admin_echo', arguments: { text: 'still callable' } }),
    ).toMatchObject({
      content: [{ text: 'still callable' }],
    });
  });

  it('turns a refusal of a non-tool request into a JSON-RPC error with the code in data', async () => {
    const refuse = defineMiddleware('refuse', {
      requests: {
        'resources/read': () =>
          Promise.reject(new MiddlewareError('RATE_LIMITED', 'slow down', { retryAfterMs: 1000 })),
        'prompts/get': () =>
          Promise.reject(new MiddlewareError('INVALID_ARGUMENTS', 'argument `who` is missing')),
      },
    });
    const client = await connect(withMiddleware(newServer(), [refuse]));
    const read = await client.readResource({ uri: 'docs://readme' }).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(McpError);
    expect(read).toMatchObject({
      code: -32603,
      data: { [ERROR_META_KEY]: { code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1000 } },
    });
    // One prefix, the client's own: the server sends our text alone.
    expect((read as Error).message).toBe('MCP error -32603: slow down');
    const prompt = await client
      .getPrompt({ name: 'greet', arguments: { who: 'a' } })
      .catch((e: unknown) => e);
    expect(prompt).toMatchObject({ code: -32602, data: { [ERROR_META_KEY]: { code: 'INVALID_ARGUMENTS' } } });
  });

  it('takes a custom resource middleware of about 15 lines', async () => {
    const reads: string[] = [];
    // The core README's example (examples/basic/src/audit-reads.ts).
    const client = await connect(withMiddleware(newServer(), [auditReads(reads)]));
    await client.readResource({ uri: 'docs://readme' });
    await expect(client.readResource({ uri: 'secret://keys' })).rejects.toThrow('not served here');
    expect(reads).toEqual(['docs://readme: 1 part(s)']);
  });

  it('keeps answering after malformed and huge params on every operation', async () => {
    const seen: string[] = [];
    const client = await connect(withMiddleware(newServer(), [spy(seen)]));
    const huge = 'x'.repeat(1_000_000);
    const bad = [
      client.request({ method: 'resources/read', params: { uri: 42 } }, CallToolRequestSchema.pick({})),
      client.request({ method: 'prompts/get', params: { name: huge } }, CallToolRequestSchema.pick({})),
      client.request(
        { method: 'tools/list', params: { cursor: { deep: [huge] } } },
        CallToolRequestSchema.pick({}),
      ),
    ];
    for (const outcome of await Promise.allSettled(bad)) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(McpError);
    }
    expect((await client.callTool({ name: 'echo', arguments: { text: 'ok' } })).content).toEqual([
      { type: 'text', text: 'ok' },
    ]);
    expect(seen).toHaveLength(4);
  });
});

describe('hostile failures on the seam', () => {
  const values = hostileValues();

  it('answers every request whatever a middleware or a handler throws', async () => {
    let thrown: unknown;
    const throwing = defineMiddleware('throwing', {
      tools: () => Promise.reject(thrown),
      requests: { '*': () => Promise.reject(thrown) },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const server = newServer();
      server.registerTool('throws', {}, () => {
        throw thrown;
      });
      const guarded = await connect(withMiddleware(server, [throwing]));
      const bareHandler = await connect(
        withMiddleware(
          (() => {
            const s = newServer();
            s.registerTool('throws', {}, () => {
              throw thrown;
            });
            return s;
          })(),
          [],
        ),
      );
      let answered = 0;
      for (const [, make] of values) {
        thrown = make();
        const tool = await guarded.callTool({ name: 'echo', arguments: { text: 'x' } });
        expect(tool.isError).toBe(true);
        await expect(guarded.readResource({ uri: 'docs://readme' })).rejects.toBeInstanceOf(McpError);
        await expect(guarded.listTools()).rejects.toBeInstanceOf(McpError);
        const handler = await bareHandler.callTool({ name: 'throws' });
        expect(handler).toMatchObject({ isError: true, _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } } });
        answered += 4;
      }
      expect(answered).toBe(values.length * 4);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('the seam on a low-level Server and shared runners', () => {
  it('runs the requests of a low-level Server through the pipeline', async () => {
    const seen: string[] = [];
    const server = new Server({ name: 'low', version: '1.0.0' }, { capabilities: { tools: {} } });
    withMiddleware(server, [spy(seen)]);
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'ping', inputSchema: { type: 'object' } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, (request) => {
      if (request.params.name === 'boom') throw new Error('exploded');
      return { content: [{ type: 'text', text: 'pong' }] };
    });
    const client = await connect(server);
    expect((await client.listTools()).tools).toHaveLength(1);
    expect(await client.callTool({ name: 'ping' })).toMatchObject({ content: [{ text: 'pong' }] });
    const boom = (await client.callTool({ name: 'boom' })) as CallToolResult;
    expect(boom).toMatchObject({ isError: true, _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } } });
    expect(seen).toEqual(['tools/list ', 'tools/call ping', 'tools/call boom']);
  });

  it('lets servers built per request share one composed runner', async () => {
    let attached = 0;
    const counted: Middleware = Object.assign(
      (ctx: Parameters<Middleware>[0], next: Parameters<Middleware>[1]) => next(ctx),
      {
        attach: () => {
          attached++;
        },
      },
    );
    const runner = createToolRunner([counted]);
    for (let i = 0; i < 3; i++) {
      const client = await connect(withMiddleware(newServer(), runner));
      await client.callTool({ name: 'echo', arguments: { text: String(i) } });
    }
    expect(attached).toBe(1);
  });
});
