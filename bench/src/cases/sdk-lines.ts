/**
 * The full pipeline on each SDK line: the server's own tools/call handler (what the transport calls),
 * bare and behind withMiddleware, on an SDK 1.32 McpServer and an SDK 2.x McpServer. What the pipeline adds
 * is the wrapped time minus the bare time of the same line; the two lines are timed side by side.
 */
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as V2Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { withMiddleware } from '@mcp-middleware/core';
import { benchExtra, type BenchCase, type BenchOp } from '../harness.js';
import { benchAuthInfo, fullPipeline } from '../pipelines.js';

type RawHandler = (request: unknown, sdkArg: unknown) => Promise<unknown>;

function handlerOf(protocol: unknown): RawHandler {
  const handlers = (protocol as { _requestHandlers: Map<string, RawHandler> })._requestHandlers;
  return handlers.get('tools/call') as RawHandler;
}

const register = (server: { registerTool: (...args: never[]) => unknown }): void => {
  (server.registerTool as (...args: unknown[]) => unknown)(
    'search',
    {
      inputSchema: z.object({ query: z.string(), limit: z.number().int() }),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ query, limit }: { query: string; limit: number }) => ({
      content: [{ type: 'text', text: `${query} ${limit}` }],
    }),
  );
};

// A new `limit` per call: the cache misses and every layer runs.
function requests(): () => unknown {
  let i = 0;
  return () => ({
    jsonrpc: '2.0',
    id: i,
    method: 'tools/call',
    params: { name: 'search', arguments: { query: 'mcp middleware', limit: i++ } },
  });
}

async function checked(pending: Promise<unknown>): Promise<void> {
  const result = await pending;
  if ((result as { isError?: unknown }).isError === true)
    throw new Error(`bench tool call failed: ${JSON.stringify(result)}`);
}

function v1Case(bare: boolean): BenchCase {
  return {
    name: bare ? 'sdk-v1-handler-bare' : 'sdk-v1-handler-full',
    group: 'pipeline',
    description: bare
      ? "SDK 1.32 McpServer's own tools/call handler, no middleware"
      : 'the same handler behind withMiddleware(server, full pipeline)',
    batch: 2000,
    ...(bare ? {} : { baseline: 'sdk-v1-handler-bare' }),
    async setup(): Promise<BenchOp> {
      const server = new V1Server({ name: 'bench', version: '1.0.0' });
      const built = bare ? undefined : fullPipeline();
      if (built !== undefined) withMiddleware(server, built.pipeline, { debug: false });
      register(server);
      const handler = handlerOf(server.server);
      const extra = benchExtra({ authInfo: benchAuthInfo });
      const next = requests();
      await checked(handler(next(), extra));
      return { run: () => handler(next(), extra), teardown: () => built?.teardown() };
    },
  };
}

function v2Case(bare: boolean): BenchCase {
  return {
    name: bare ? 'sdk-v2-handler-bare' : 'sdk-v2-handler-full',
    group: 'pipeline',
    description: bare
      ? "SDK 2.x McpServer's own tools/call handler, no middleware"
      : 'the same handler behind withMiddleware(server, full pipeline)',
    batch: 2000,
    baseline: bare ? 'sdk-v1-handler-bare' : 'sdk-v2-handler-bare',
    async setup(): Promise<BenchOp> {
      const server = new V2Server({ name: 'bench', version: '1.0.0' });
      const built = bare ? undefined : fullPipeline();
      if (built !== undefined) withMiddleware(server, built.pipeline, { debug: false });
      register(server);
      const handler = handlerOf(server.server);
      // What v2's Protocol hands a handler; one per request in a server, reused here as v1's extra is.
      const ctx = {
        sessionId: undefined,
        mcpReq: {
          id: 1,
          method: 'tools/call',
          _meta: undefined,
          signal: new AbortController().signal,
          requestState: () => undefined,
          send: () => Promise.reject(new Error('not available in benchmarks')),
          notify: () => Promise.resolve(),
        },
        http: { authInfo: benchAuthInfo },
      };
      const next = requests();
      await checked(handler(next(), ctx));
      return { run: () => handler(next(), ctx), teardown: () => built?.teardown() };
    },
  };
}

export const cases: BenchCase[] = [v1Case(true), v1Case(false), v2Case(true), v2Case(false)];
