/**
 * The headline per-call cases: every middleware in the documented order, with and without the OTel SDK,
 * beside the same features glued by hand on the libraries.
 */
import { createToolRunner, type ToolArgs } from '@mcp-middleware/core';
import { benchArgs, benchExtra, benchTool, rawHandler, type BenchCase, type BenchOp } from '../harness.js';
import { benchAuthInfo, fullPipeline, fullPipelineOtel, naiveGlue, type Built } from '../pipelines.js';

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
  {
    name: 'naive-glue',
    group: 'pipeline',
    description:
      'the same features glued by hand on the libraries with their defaults (span, prom-client timer, ' +
      'bottleneck schedule, zod, lru-cache, p-retry options per call, opossum default timeout, pino info line)',
    quick: true,
    batch: 20,
    setup(): BenchOp {
      const glue = naiveGlue(rawHandler);
      const extra = benchExtra({ authInfo: benchAuthInfo });
      const next = missingArgs();
      return { run: () => glue.handler(next(), extra), teardown: glue.teardown };
    },
  },
];
