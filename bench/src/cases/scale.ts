/**
 * Scale: memory the rate limiter and the cache hold at 10, 10 000 and 1 000 000 keys (each probe in a
 * fresh process), and what 1000 registered tools cost to wrap and per call. The per-call cost of the
 * limiter and the cache across key counts is measured by ratelimit.ts and cache.ts (`*-keys` cases).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createToolRunner, withMiddleware } from '@mcp-middleware/core';
import { cache } from '@mcp-middleware/cache';
import { rateLimit } from '@mcp-middleware/ratelimit';
import {
  benchExtra,
  benchTool,
  rawHandler,
  type BenchCase,
  type BenchOp,
  type BenchProbe,
} from '../harness.js';
import { benchAuthInfo, fullPipeline, NEVER } from '../pipelines.js';

const MiB = 2 ** 20;
const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('probes need node --expose-gc (run.ts starts them so)');
  collect();
  collect();
};
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs `fill` for `count` calls between two collected heaps; reports growth and the time per call. */
async function memoryGrowth(
  count: number,
  fill: (i: number) => Promise<unknown>,
): Promise<Record<string, number>> {
  await fill(-1); // first call: compiles the path and creates per-tool state, outside the measure
  gc();
  const before = process.memoryUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fill(i);
  const fillNs = Number(process.hrtime.bigint() - start) / count;
  gc();
  const after = process.memoryUsage();
  return {
    rssGrowthMiB: round((after.rss - before.rss) / MiB),
    heapGrowthMiB: round((after.heapUsed - before.heapUsed) / MiB),
    bytesPerKey: Math.round((after.heapUsed - before.heapUsed) / count),
    fillNsPerCall: Math.round(fillNs),
  };
}

function rateLimitProbe(count: number, label: string): BenchProbe {
  return {
    name: `ratelimit-memory-${label}-keys`,
    description: `memory rateLimit (default store) after ${count.toLocaleString('en')} distinct keys each made one call`,
    quick: false,
    run() {
      let key = 'warm';
      const runner = createToolRunner(rateLimit({ limit: NEVER, keyBy: () => key }), { debug: false });
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      const extra = benchExtra();
      const args = { query: 'mcp middleware', limit: 10 };
      return memoryGrowth(count, (i) => {
        key = `user-${i}`;
        return run(args, extra);
      });
    },
  };
}

function cacheProbe(count: number, label: string): BenchProbe {
  return {
    name: `cache-memory-${label}-keys`,
    description: `memory cache holding ${count.toLocaleString('en')} small results (maxEntries ${count.toLocaleString('en')}, maxBytes 1 KiB per entry)`,
    quick: false,
    run() {
      const runner = createToolRunner(cache({ maxEntries: count, maxBytes: count * 1024 }), { debug: false });
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      const extra = benchExtra({ authInfo: benchAuthInfo });
      return memoryGrowth(count, (i) => run({ query: 'mcp middleware', limit: i }, extra));
    },
  };
}

/** Registers `count` read-only tools named tool-0000…; returns their registered callbacks (as the SDK calls them). */
function registerTools(server: McpServer, count: number): void {
  for (let i = 0; i < count; i++) {
    server.registerTool(
      `tool-${String(i).padStart(4, '0')}`,
      {
        inputSchema: { query: z.string(), limit: z.number().int() },
        annotations: { readOnlyHint: true, idempotentHint: true },
      },
      ({ query, limit }) => ({ content: [{ type: 'text', text: `${query} ${limit}` }] }),
    );
  }
}

type RequestHandler = (request: unknown, extra: unknown) => Promise<unknown>;

// The SDK's own tools/call request handler, which withMiddleware wraps (the request seam).
function toolsCallOf(server: McpServer): RequestHandler {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, RequestHandler> })
    ._requestHandlers;
  const handler = handlers.get('tools/call');
  if (handler === undefined) throw new Error('no tools/call handler');
  return handler;
}

const wrapProbe: BenchProbe = {
  name: 'tools-1000-wrap',
  description:
    'time to apply withMiddleware(full pipeline) to a server that already has 1000 tools, and to register ' +
    '1000 tools on a wrapped server against a bare one (medians of three, alternating)',
  quick: false,
  run() {
    const count = 1000;
    const time = (work: () => void): number => {
      const start = process.hrtime.bigint();
      work();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // Warm the SDK's and zod's registration path once, so the first measure does not pay for compiling it.
    registerTools(new McpServer({ name: 'warm', version: '1.0.0' }), count);

    const before = new McpServer({ name: 'bench', version: '1.0.0' });
    registerTools(before, count);
    const built = fullPipeline();
    const wrapExistingMs = time(() => withMiddleware(before, built.pipeline, { debug: false }));

    // Bare and wrapped registrations alternate, three times each, so neither always runs first.
    const bareMs: number[] = [];
    const wrappedMs: number[] = [];
    for (let r = 0; r < 3; r++) {
      bareMs.push(time(() => registerTools(new McpServer({ name: 'bench', version: '1.0.0' }), count)));
      const wrapped = withMiddleware(
        new McpServer({ name: 'bench', version: '1.0.0' }),
        fullPipeline().pipeline,
        {
          debug: false,
        },
      );
      wrappedMs.push(time(() => registerTools(wrapped, count)));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[1] as number;
    const registerBareMs = median(bareMs);
    const registerWrappedMs = median(wrappedMs);
    return Promise.resolve({
      wrapExistingMs: round(wrapExistingMs, 2),
      registerBareMs: round(registerBareMs, 2),
      registerWrappedMs: round(registerWrappedMs, 2),
      addedUsPerTool: round(((registerWrappedMs - registerBareMs) * 1000) / count, 2),
    });
  },
};

/** Calls the tools of a wrapped server round-robin through the SDK's tools/call handler, new args each call. */
function toolsCase(count: number): BenchCase {
  return {
    name: `tools-${count}-full-pipeline`,
    group: 'scale',
    description: `full pipeline on a server with ${count} tool${count === 1 ? '' : 's'}: each call goes to the next tool through the SDK's tools/call handler (new args, cache miss)`,
    batch: 5000,
    ...(count === 1 ? {} : { baseline: 'tools-1-full-pipeline' }),
    async setup(): Promise<BenchOp> {
      const built = fullPipeline();
      const server = withMiddleware(new McpServer({ name: 'bench', version: '1.0.0' }), built.pipeline, {
        debug: false,
      });
      registerTools(server, count);
      const handler = toolsCallOf(server);
      const names = Array.from({ length: count }, (_, k) => `tool-${String(k).padStart(4, '0')}`);
      const extra = benchExtra({ authInfo: benchAuthInfo });
      let i = 0;
      const call = async (): Promise<unknown> => {
        const name = names[i % count] as string;
        const params = { name, arguments: { query: 'mcp middleware', limit: i++ } };
        const result = await handler({ jsonrpc: '2.0', id: i, method: 'tools/call', params }, extra);
        if ((result as { isError?: boolean }).isError === true) throw new Error(JSON.stringify(result));
        return result;
      };
      // Every tool once before timing: per-tool state (breakers, limiter keys, metric children) exists.
      for (let k = 0; k < count; k++) await call();
      return { run: call, teardown: built.teardown };
    },
  };
}

export const cases: BenchCase[] = [toolsCase(1), toolsCase(1000), toolsCase(10_000)];

export const probes: BenchProbe[] = [
  rateLimitProbe(10, '10'),
  rateLimitProbe(10_000, '10k'),
  rateLimitProbe(1_000_000, '1M'),
  cacheProbe(10, '10'),
  cacheProbe(10_000, '10k'),
  cacheProbe(1_000_000, '1M'),
  wrapProbe,
];
