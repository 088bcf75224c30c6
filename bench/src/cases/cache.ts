/** Cache cases: the hit path (key canonicalisation included), the miss path, and hits among many keys. */
import { createToolRunner, type ToolArgs, type ToolExtra } from '@mcp-middleware/core';
import { cache } from '@mcp-middleware/cache';
import { benchExtra, benchTool, pipelineCase, rawHandler, type BenchCase, type BenchOp } from '../harness.js';

const authInfo = { token: 'bench-token', clientId: 'bench-client', scopes: [] };

function manyKeys(keys: number, label: string): BenchCase {
  return {
    name: `cache-hit-${label}-keys`,
    group: 'scale',
    description: `a hit on one of ${label} cached keys (visited with a stride, so not the same few)`,
    batch: 20_000,
    async setup(): Promise<BenchOp> {
      // A day of TTL: filling 1M keys takes minutes on a busy machine, and expired keys would be misses.
      const options = { ttlMs: 86_400_000, maxEntries: keys, maxBytes: keys * 1024 };
      const runner = createToolRunner([cache(options)], { debug: false });
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      const extra: ToolExtra = benchExtra({ authInfo });
      const argsOf = (i: number): ToolArgs => ({ query: 'mcp middleware', limit: i });
      for (let i = 0; i < keys; i++) await run(argsOf(i), extra);
      let i = 0;
      return { run: () => run(argsOf((i = (i + 7919) % keys)), extra) };
    },
  };
}

export const cases: BenchCase[] = [
  pipelineCase(
    'cache-hit',
    'a cache hit, anonymous caller: canonical key, memory lookup, marked copy',
    () => cache(),
    {
      quick: true,
    },
  ),
  pipelineCase(
    'cache-hit-principal',
    'a cache hit for a caller with authInfo (principal partition)',
    () => cache(),
    {
      quick: true,
      extra: { authInfo },
    },
  ),
  {
    name: 'cache-miss',
    group: 'middleware',
    description: 'a miss on every call (new args): single-flight run, JSON copy, store, LRU eviction',
    quick: true,
    setup(): BenchOp {
      const runner = createToolRunner([cache()], { debug: false });
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      const extra = benchExtra({ authInfo });
      let i = 0;
      return { run: () => run({ query: 'mcp middleware', limit: i++ }, extra) };
    },
  },
  manyKeys(10, '10'),
  manyKeys(10_000, '10k'),
  manyKeys(1_000_000, '1M'),
];
