/** metrics(): Prometheus duration, in-flight and event counters for every tool call, per the MCP conventions. */
import {
  errorTypeOf,
  outcomeOfError,
  outcomeOfResult,
  readOptions,
  type OptionReader,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { Registry } from 'prom-client';
import { instrumentsFor, isRegistry, type AnyRegistry } from './instruments.js';
import { DEFAULT_BUCKETS } from './names.js';

/** Options of {@link metrics}. */
export interface MetricsOptions {
  /**
   * Where the metrics live. Pass the registry you already scrape; never prom-client's global `register`
   * unless you pass it yourself.
   * @default a new Registry
   */
  readonly registry?: AnyRegistry | undefined;
  /**
   * Distinct tool names that get their own `gen_ai_tool_name` value; later names share `_other`, so a
   * server that registers tools dynamically cannot grow series without bound.
   * @default 100
   */
  readonly maxTools?: number | undefined;
  /**
   * Upper bounds of the duration histogram, in seconds, ascending.
   * @default [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] (the MCP conventions)
   */
  readonly buckets?: readonly number[] | undefined;
}

/** The metrics middleware, with the registry it writes to (serve it with `metricsHandler`). */
export interface MetricsMiddleware extends Middleware {
  readonly registry: AnyRegistry;
}

const KNOWN = ['registry', 'maxTools', 'buckets'] as const;

function readBuckets(value: unknown, fail: (expected: string) => never): readonly number[] {
  if (value === undefined) return DEFAULT_BUCKETS;
  if (!Array.isArray(value) || value.length === 0) fail('a non-empty array of ascending numbers of seconds');
  const buckets = value as unknown[];
  buckets.forEach((bound, i) => {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= 0) {
      fail(`finite positive numbers of seconds (index ${i} is not)`);
    }
    if (i > 0 && bound <= (buckets[i - 1] as number)) fail(`strictly ascending (index ${i} is not)`);
  });
  return Object.freeze([...(buckets as number[])]);
}

/**
 * Records every tool call in `mcp_server_operation_duration_seconds` (labels `mcp_method_name`,
 * `gen_ai_tool_name`, and `error_type` on failures), tracks calls in flight, and counts the rejections,
 * retries, cache lookups and breaker states that other middlewares publish. Put it outermost, after
 * tracing: it sees rejections and rethrows every error unchanged.
 */
export function metrics(options: MetricsOptions = {}): MetricsMiddleware {
  const read: OptionReader = readOptions('metrics', options, KNOWN);
  const registryOption = read.raw('registry');
  let registry: AnyRegistry;
  if (registryOption === undefined) registry = new Registry();
  else if (isRegistry(registryOption)) registry = registryOption;
  else read.fail('registry', 'a prom-client Registry');
  const maxTools = read.integer('maxTools', { min: 1, default: 100 });
  const buckets = readBuckets(read.raw('buckets'), (expected) => read.fail('buckets', expected));
  const instruments = instrumentsFor(registry, buckets, maxTools);

  // Promise callbacks rather than an async function: measured ~0.3 µs cheaper per call on Node 20.
  const middleware = function metrics(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const series = instruments.series(ctx.tool.name);
    series.inFlight++;
    const start = performance.now();
    let pending: Promise<CallToolResult>;
    try {
      pending = next();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        series.inFlight--;
        const seconds = (performance.now() - start) / 1000;
        // A broken inner layer may resolve with a non-result; the runner reports that, so do not throw here.
        if ((result as CallToolResult | undefined)?.isError === true) {
          series.failed(errorTypeOf(outcomeOfResult(result)), seconds);
        } else {
          series.ok.observe(seconds);
        }
        return result;
      },
      (error: unknown) => {
        series.inFlight--;
        series.failed(errorTypeOf(outcomeOfError(error)), (performance.now() - start) / 1000);
        throw error;
      },
    );
  };

  return Object.assign(middleware, {
    registry,
    attach(channel: EventChannel): void {
      if (!instruments.adopt(channel)) return;
      channel.subscribe((event, ctx) => instruments.record(event, ctx));
    },
  });
}
