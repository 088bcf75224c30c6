/** tracing()'s options: the interface users see, and the one check that turns them into resolved values. */
import { propagation, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import {
  readOptions,
  type CallToolResult,
  type OptionReader,
  type ToolArgs,
  type ToolContext,
} from '@mcp-middleware/core';
import { NETWORK_TRANSPORTS, type NetworkTransport } from './semconv.js';

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

const KNOWN_OPTIONS = [
  'tracerProvider',
  'propagator',
  'networkTransport',
  'captureArguments',
  'captureResult',
  'maxCaptureLength',
] as const;

function hasMethod(value: unknown, method: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  );
}

function captureOption<T>(reader: OptionReader, key: string, whole: (value: T) => unknown): Capture<T> {
  const value = reader.raw(key);
  if (value === undefined || value === false) return undefined;
  if (value === true) return whole;
  if (typeof value === 'function') return value as (value: T, ctx: ToolContext) => unknown;
  return reader.fail(key, 'true, false or a function');
}

/** Checks `tracing()`'s options once, at factory time: a `ConfigError` names the first bad one. */
export function resolveOptions(options: TracingOptions | undefined): ResolvedTracingOptions {
  const reader = readOptions('tracing', options, KNOWN_OPTIONS);
  const tracerProvider = reader.raw('tracerProvider');
  if (tracerProvider !== undefined && !hasMethod(tracerProvider, 'getTracer')) {
    reader.fail('tracerProvider', 'a TracerProvider (an object with getTracer())');
  }
  const propagator = reader.raw('propagator');
  if (propagator !== undefined && !hasMethod(propagator, 'extract')) {
    reader.fail('propagator', 'a TextMapPropagator (an object with extract())');
  }
  return {
    tracerProvider: tracerProvider as TracerProvider | undefined,
    // The global API object reads the registered propagator on every call, so a late SDK is honoured.
    propagator: (propagator as Extractor | undefined) ?? propagation,
    networkTransport: reader.has('networkTransport')
      ? reader.oneOf('networkTransport', NETWORK_TRANSPORTS, 'pipe')
      : undefined,
    captureArguments: captureOption<ToolArgs>(reader, 'captureArguments', (args) => args),
    captureResult: captureOption<CallToolResult>(
      reader,
      'captureResult',
      (result) => result.structuredContent ?? result.content,
    ),
    maxCaptureLength: reader.integer('maxCaptureLength', { min: 1, max: 2000, default: 1024 }),
  };
}
