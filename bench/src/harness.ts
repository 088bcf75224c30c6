/** The benchmark harness contract: cases measured side by side with the raw handler in one run. */
import { createToolRunner, type Middleware, type ToolExtra, type ToolInfo } from '@mcp-middleware/core';
import { benchArgs, benchExtra, benchTool, rawHandler } from './tool.js';

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
  /**
   * Another case this one is also timed beside in every round (wrapped beside bare); the report gives
   * the per-round ratio and difference to it. Every case is always timed beside `raw` as well.
   * @default none
   */
  readonly baseline?: string;
  /**
   * Timed in fresh processes of its own instead of beside the other cases, alternating with its baseline
   * (isolated too) over several repetitions: one case's garbage must not land in the other's timing.
   * The ratio to the baseline is the median of the per-repetition ratios.
   * @default false
   */
  readonly isolated?: boolean;
  /** Tool calls one `run()` makes (a throughput case starts many at once); times are per call. @default 1 */
  readonly callsPerRun?: number;
  setup(): Promise<BenchOp> | BenchOp;
}

/**
 * A one-shot measurement that is not a per-call time (memory growth, time to wrap): each probe runs
 * alone in a fresh process started with `--expose-gc`, and returns named numbers with their units in
 * the names (`rssGrowthMiB`, `wrapMs`).
 */
export interface BenchProbe {
  readonly name: string;
  readonly description: string;
  readonly quick?: boolean;
  run(): Promise<Record<string, number>>;
}

export { benchArgs, benchExtra, benchTool, rawHandler } from './tool.js';

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
