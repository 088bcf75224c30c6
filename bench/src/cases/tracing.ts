/** What tracing() costs per call: with no OpenTelemetry SDK registered, and recording with the SDK. */
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createToolRunner } from '@mcp-middleware/core';
import { tracing } from '@mcp-middleware/tracing';
import { benchArgs, benchExtra, benchTool, pipelineCase, rawHandler, type BenchCase } from '../harness.js';

// Accepts every batch at once: the case measures the middleware and the SDK, not a network.
const discardingExporter: SpanExporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

export const cases: BenchCase[] = [
  pipelineCase(
    'tracing (no SDK)',
    'tracing() with no OpenTelemetry SDK registered: the API hands out non-recording spans',
    () => tracing(),
    { quick: true },
  ),
  {
    name: 'tracing (SDK, batch processor)',
    group: 'middleware',
    // Every case shares one process, so this one registers nothing globally: a global provider would make
    // the no-SDK case record, and an AsyncLocalStorage context manager would slow every other case.
    description:
      'tracing() recording one SERVER span per call with the OTel SDK 2.12 (BasicTracerProvider, ' +
      'BatchSpanProcessor, discarding exporter) passed as tracerProvider; no context manager registered',
    quick: true,
    setup() {
      const provider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(discardingExporter)],
      });
      const runner = createToolRunner(tracing({ tracerProvider: provider }), { debug: false });
      const extra = benchExtra();
      const run = runner.bind(benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      return {
        run: () => run(benchArgs, extra),
        teardown: () => provider.shutdown(),
      };
    },
  },
];
