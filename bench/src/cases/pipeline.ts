/**
 * The headline per-call cases: every middleware in the documented order, with and without the OTel SDK,
 * beside the same features glued by hand on the libraries.
 */
import { createToolRunner, type ToolArgs } from '@mcp-middleware/core';
import { benchArgs, benchExtra, benchTool, rawHandler, type BenchCase, type BenchOp } from '../harness.js';
import {
  benchAuthInfo,
  fullPipeline,
  fullPipelineOtel,
  naiveGlue,
  ninePipeline,
  type Built,
  type GlueLimiter,
} from '../pipelines.js';

// A new `limit` per call: the cache misses, so every layer runs and the handler answers every call.
function missingArgs(): () => ToolArgs {
  let i = 0;
  return () => ({ query: benchArgs.query, limit: i++ });
}

function pipelineRun(
  name: string,
  description: string,
  build: () => Built,
  args: 'repeat' | 'distinct',
  quick: boolean,
): BenchCase {
  return {
    name,
    group: 'pipeline',
    description,
    quick,
    async setup(): Promise<BenchOp> {
      const built = build();
      const runner = createToolRunner(built.pipeline, { debug: false });
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      const extra = benchExtra({ authInfo: benchAuthInfo });
      // A misconfigured pipeline answers isError fast and would look cheap: check the path before timing it.
      const first = await run(benchArgs, extra);
      if (first.isError === true) throw new Error(`${name}: ${JSON.stringify(first)}`);
      if (args === 'repeat') return { run: () => run(benchArgs, extra), teardown: built.teardown };
      const next = missingArgs();
      return { run: () => run(next(), extra), teardown: built.teardown };
    },
  };
}

export const cases: BenchCase[] = [
  pipelineRun(
    'full-pipeline',
    'tracing → metrics → logging → auth → rateLimit → validation → cache → retry → circuitBreaker → timeout, ' +
      'defaults, memory stores, no OTel SDK, authInfo present; new args per call, so the cache misses and ' +
      'every layer runs',
    fullPipeline,
    'distinct',
    true,
  ),
  pipelineRun(
    'full-pipeline (cache hit)',
    'the same pipeline with the same args every call: the cache answers, retry/breaker/timeout are skipped',
    fullPipeline,
    'repeat',
    true,
  ),
  pipelineRun(
    'full-pipeline-otel',
    'full-pipeline with the OTel SDK 2.12 recording a span per call (BasicTracerProvider, ' +
      'BatchSpanProcessor, discarding exporter), passed as tracerProvider',
    fullPipelineOtel,
    'distinct',
    true,
  ),
  pipelineRun(
    'full-pipeline-no-cache',
    'the nine layers other than the cache (tracing → metrics → logging → auth → rateLimit → validation → ' +
      'retry → circuitBreaker → timeout), new args per call',
    ninePipeline,
    'distinct',
    true,
  ),
  glueCase(
    'naive-glue',
    'flexible',
    'the same features glued by hand the obvious way (OTel span, prom-client timer and gauge, ' +
      'rate-limiter-flexible RateLimiterMemory consume, zod, lru-cache, p-retry options per call, opossum ' +
      'defaults, pino info line); new args per call',
    20_000,
  ),
  glueCase(
    'naive-glue-bottleneck',
    'bottleneck',
    'extra, for reference: the same glue with a bottleneck schedule per principal instead of ' +
      'rate-limiter-flexible (its local datastore waits four setTimeout(0) hops per job)',
    20,
  ),
];

function glueCase(name: string, limiter: GlueLimiter, description: string, batch: number): BenchCase {
  return {
    name,
    group: 'pipeline',
    description,
    quick: true,
    batch,
    async setup(): Promise<BenchOp> {
      const glue = naiveGlue(rawHandler, limiter);
      const extra = benchExtra({ authInfo: benchAuthInfo });
      await glue.handler({ query: 'first', limit: -1 }, extra);
      const next = missingArgs();
      return { run: () => glue.handler(next(), extra), teardown: glue.teardown };
    },
  };
}
