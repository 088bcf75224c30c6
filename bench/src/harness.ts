/** The benchmark harness contract: cases measured side by side with the raw handler in one run. */
import { createToolRunner, type Middleware, type ToolExtra, type ToolInfo } from '@mcp-middleware/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** One operation to time: `run` is one call; the harness loops it. */
export interface BenchOp {
  run(): Promise<unknown>;
  teardown?(): Promise<void> | void;
}

/** A named case. `group` orders the report; `quick` puts it in `pnpm bench:quick`. */
export interface BenchCase {
  readonly name: string;
  readonly group: 'baseline' | 'middleware' | 'pipeline' | 'round-trip' | 'throughput' | 'scale';
  readonly description: string;
  readonly quick?: boolean;
  /** Calls per timed batch; lower it for slow cases (round trips). @default 20000 */
  readonly batch?: number;
  setup(): Promise<BenchOp> | BenchOp;
}

/** The tool every per-call case runs: an idempotent, read-only echo with small args. */
export const benchTool: ToolInfo = Object.freeze({
  name: 'search',
  annotations: { readOnlyHint: true, idempotentHint: true },
  inputSchema: { type: 'object' },
});

export const benchArgs = Object.freeze({ query: 'mcp middleware', limit: 10 });

const RESULT: CallToolResult = { content: [{ type: 'text', text: 'ok' }] };

/** The raw handler the ratios are taken against: `await handler(args, extra)`. */
export const rawHandler = (_args: unknown, _extra: ToolExtra): Promise<CallToolResult> =>
  Promise.resolve(RESULT);

/** A fresh SDK-shaped `extra` with a live signal, as one server would hand many calls. */
export function benchExtra(overrides: Partial<ToolExtra> = {}): ToolExtra {
  return {
    signal: new AbortController().signal,
    requestId: 1,
    sendNotification: () => Promise.resolve(),
    sendRequest: () => Promise.reject(new Error('not available in benchmarks')),
    ...overrides,
  };
}

/** A case that runs `pipeline` around the raw handler through the real runner (the per-call fast path). */
export function pipelineCase(
  name: string,
  description: string,
  pipeline: () => Middleware | readonly Middleware[],
  options: { group?: BenchCase['group']; quick?: boolean; extra?: Partial<ToolExtra>; tool?: ToolInfo } = {},
): BenchCase {
  return {
    name,
    group: options.group ?? 'middleware',
    description,
    quick: options.quick ?? false,
    setup() {
      const runner = createToolRunner(pipeline(), { debug: false });
      const extra = benchExtra(options.extra);
      const run = runner.bind(options.tool ?? benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
      return { run: () => run(benchArgs, extra) };
    },
  };
}
