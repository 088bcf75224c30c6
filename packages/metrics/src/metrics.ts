/** metrics(): Prometheus (and optionally OpenTelemetry) duration and event counters for every request, per the MCP conventions. */
import {
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type Next,
  type RequestHook,
  type ToolContext,
} from '@mcp-middleware/core';
import { observeOutcome } from '@mcp-middleware/core/helpers';
import type { Histogram } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { instrumentsFor, isRegistry, type AnyRegistry, type Instruments } from './instruments.js';
import type { OptionReader } from '@mcp-middleware/core/options';
import { METRICS_OPTIONS } from './declaration.js';
import { DEFAULT_BUCKETS } from './names.js';
import { otelHistogram, type MeterOption } from './otel.js';
import { failureTypeOf, type Series } from './series.js';

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
   * Distinct prompt names that get their own `gen_ai_prompt_name` value on `prompts/get`; later names
   * share `_other`. A name the server does not have (the SDK answered "not found") never takes a slot.
   * @default 100
   */
  readonly maxPrompts?: number | undefined;
  /**
   * Also record `mcp.server.operation.duration` (unit `s`, the conventions' attributes and buckets)
   * through the OpenTelemetry meter API: a `Meter`, or `'global'` for the provider registered with
   * `@opentelemetry/api` (an optional peer; register the SDK before building the pipeline).
   * @default none: Prometheus only
   */
  readonly meter?: MeterOption | undefined;
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

// One request's sample: `errorType` is undefined for a success. The OpenTelemetry meter, when given, gets
// the same sample with the semconv attributes.
function record(
  series: Series,
  otel: Histogram | undefined,
  seconds: number,
  failed: boolean,
  errorType?: string,
): void {
  if (!failed) {
    series.ok.observe(seconds);
    otel?.record(seconds, series.okAttributes);
    return;
  }
  const failure = series.failure(errorType);
  failure.series.observe(seconds);
  otel?.record(seconds, failure.attributes);
}

// The tool step: the tool's series is bound before the call, for the in-flight gauge.
function toolStep(instruments: Instruments, otel: Histogram | undefined): Middleware {
  return function metrics(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const series = instruments.series(ctx.tool.name);
    series.inFlight++;
    const start = performance.now();
    return observeOutcome(next(), (outcome) => {
      series.inFlight--;
      const seconds = (performance.now() - start) / 1000;
      if (outcome.kind === 'input_required') instruments.inputRequired(series);
      else if (outcome.kind === 'success') record(series, otel, seconds, false);
      else record(series, otel, seconds, true, failureTypeOf(outcome));
    });
  };
}

// The step of every other request: its series is chosen when it settles, so an unknown name takes no slot.
function requestStep(instruments: Instruments, otel: Histogram | undefined): RequestHook {
  return function metrics(ctx, next) {
    const start = performance.now();
    return observeOutcome(next(), (outcome) => {
      const seconds = (performance.now() - start) / 1000;
      const series = instruments.settled(ctx.operation, ctx.target, outcome.error);
      // Only a thrown value fails a request; whatever result it resolved with is its answer.
      if (outcome.kind === 'input_required') instruments.inputRequired(series);
      else if (outcome.kind === 'error' && outcome.result === undefined)
        record(series, otel, seconds, true, failureTypeOf(outcome));
      else record(series, otel, seconds, false);
    });
  };
}

/**
 * Records every request in `mcp_server_operation_duration_seconds` (labels `mcp_method_name`, and
 * `gen_ai_tool_name` for tool calls, `gen_ai_prompt_name` for prompt gets, `error_type` on failures),
 * tracks tool calls in flight, and counts the rejections, retries, cache lookups and breaker states that
 * other middlewares publish. Resource URIs are never labels. With `meter` it also records
 * `mcp.server.operation.duration` through OpenTelemetry. Put it outermost, after tracing: it sees
 * rejections and rethrows every error unchanged.
 */
export function metrics(options: MetricsOptions = {}): MetricsMiddleware {
  const { values, reader } = METRICS_OPTIONS.read(options);
  const read: OptionReader = reader; // annotated, so read.fail() ends control flow
  const { maxTools, maxPrompts } = values;
  const registryOption: unknown = values.registry;
  let registry: AnyRegistry;
  if (registryOption === undefined) registry = new Registry();
  else if (isRegistry(registryOption)) registry = registryOption;
  else read.fail('registry', 'a prom-client Registry');
  const buckets = readBuckets(values.buckets, (expected) => read.fail('buckets', expected));
  const otel = otelHistogram(values.meter, buckets, (expected) => read.fail('meter', expected));
  const instruments = instrumentsFor(registry, buckets, { maxTools, maxPrompts });

  const middleware = toolStep(instruments, otel);
  middleware.requests = { '*': requestStep(instruments, otel) };
  return Object.assign(middleware, {
    registry,
    attach(channel: EventChannel): void {
      if (!instruments.adopt(channel)) return;
      channel.subscribe((event, ctx) => instruments.record(event, ctx));
    },
  });
}
