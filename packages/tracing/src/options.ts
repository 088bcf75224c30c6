/** tracing()'s options: the interface users see, and their resolved form (declared in declaration.ts). */
import { propagation, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import type { CallToolResult, ToolArgs, ToolContext } from '@mcp-middleware/core';
import { TRACING_OPTIONS } from './declaration.js';
import type { NetworkTransport } from './semconv.js';

/** Options of `tracing()`. */
export interface TracingOptions {
  /**
   * Where spans go. Without it the global provider is read on every call, so an SDK registered (or
   * replaced) after `tracing()` ran is used.
   * @default the global tracer provider
   */
  readonly tracerProvider?: TracerProvider | undefined;
  /**
   * Reads the parent (`traceparent`, `tracestate`, `baggage`) from the request's `params._meta`.
   * @default the globally registered propagator (W3C trace context and baggage with the Node SDK)
   */
  readonly propagator?: TextMapPropagator | undefined;
  /**
   * The `network.transport` attribute.
   * @default "tcp" when the request came over HTTP (`ctx.requestInfo` is set), else "pipe" (stdio)
   */
  readonly networkTransport?: NetworkTransport | undefined;
  /**
   * Record the arguments as `gen_ai.tool.call.arguments` (JSON, credentials redacted, bounded by
   * `maxCaptureLength`). A function chooses what to record (return a redacted copy, or undefined for nothing).
   * @default false
   */
  readonly captureArguments?: boolean | ((args: ToolArgs, ctx: ToolContext) => unknown) | undefined;
  /**
   * Record the result (`structuredContent`, else `content`) as `gen_ai.tool.call.result`, like
   * `captureArguments`. A function chooses what to record.
   * @default false
   */
  readonly captureResult?: boolean | ((result: CallToolResult, ctx: ToolContext) => unknown) | undefined;
  /**
   * The most characters of JSON a capture keeps (then `…`), from 1 to 2000.
   * @default 1024
   */
  readonly maxCaptureLength?: number | undefined;
}

/** Picks what a capture records from a value; undefined when the capture is off. */
export type Capture<T> = ((value: T, ctx: ToolContext) => unknown) | undefined;

/** What `tracing()` needs from a propagator. */
export type Extractor = Pick<TextMapPropagator, 'extract'>;

/** The options after checking, with defaults applied. */
export interface ResolvedTracingOptions {
  readonly tracerProvider: TracerProvider | undefined;
  readonly propagator: Extractor;
  readonly networkTransport: NetworkTransport | undefined;
  readonly captureArguments: Capture<ToolArgs>;
  readonly captureResult: Capture<CallToolResult>;
  readonly maxCaptureLength: number;
}

function hasMethod(value: unknown, method: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  );
}

/** A capture option as read: off, the whole value, or the user's function. */
function captureOf<T>(value: unknown, whole: (value: T) => unknown): Capture<T> {
  if (value === undefined || value === false) return undefined;
  if (value === true) return whole;
  return value as (value: T, ctx: ToolContext) => unknown;
}

/** Checks `tracing()`'s options once, at factory time: a `ConfigError` names the first bad one. */
export function resolveOptions(options: TracingOptions | undefined): ResolvedTracingOptions {
  const { values, reader } = TRACING_OPTIONS.read(options);
  const { tracerProvider, propagator } = values;
  if (tracerProvider !== undefined && !hasMethod(tracerProvider, 'getTracer')) {
    reader.fail('tracerProvider', 'a TracerProvider (an object with getTracer())');
  }
  if (propagator !== undefined && !hasMethod(propagator, 'extract')) {
    reader.fail('propagator', 'a TextMapPropagator (an object with extract())');
  }
  return {
    tracerProvider,
    // The global API object reads the registered propagator on every call, so a late SDK is honoured.
    propagator: propagator ?? propagation,
    networkTransport: values.networkTransport,
    captureArguments: captureOf<ToolArgs>(values.captureArguments, (args) => args),
    captureResult: captureOf<CallToolResult>(
      values.captureResult,
      (result) => result.structuredContent ?? result.content,
    ),
    maxCaptureLength: values.maxCaptureLength,
  };
}
