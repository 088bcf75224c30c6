/** tracing(): one OpenTelemetry SERVER span per request (tool calls, lists, reads, gets…), named and attributed per the MCP semantic conventions. */
import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  callUserCallback,
  errorTypeOf,
  isMiddlewareError,
  outcomeOfError,
  outcomeOfResult,
  redactSecrets,
  spanKey,
  type CallToolResult,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { captureValue, metaGetter } from './carrier.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_MCP_RESULT_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  MCP_METHOD_NAME_VALUE_TOOLS_CALL,
} from './semconv.js';
import { resolveOptions, type Capture, type TracingOptions } from './options.js';
import { requestStep } from './request-step.js';
import { spanEventOf } from './span-events.js';
import { bounded, messageOf } from './text.js';

/** The instrumentation scope of every span this package starts. */
export const TRACER_NAME = '@mcp-middleware/tracing';
/** This package's version, the scope version of its tracer. */
export const TRACER_VERSION = '0.1.0';

// Span names and start options are built once per tool; past this many tools they are built per call.
const MAX_CACHED_TOOLS = 1000;
const ERROR_STATUS: SpanStatus = { code: SpanStatusCode.ERROR };
// The one JSON-RPC error SDK 1.x lets escape a tool callback (UrlElicitationRequired).
const PROTOCOL_ESCAPE_CODE = -32042;

interface ToolSpan {
  readonly name: string;
  readonly options: SpanOptions;
}

/**
 * One SERVER span per request the pipeline sees: `tools/call {tool}` for a tool call, `prompts/get {prompt}`,
 * and `{mcp.method.name}` for the others (lists, `resources/read` with its URI as `mcp.resource.uri`,
 * `completion/complete`…), with the MCP attributes, `error.type` and status ERROR on failure. The parent comes from `params._meta` (then the ambient span, e.g. an HTTP server span,
 * is linked), else from the ambient context. The span is active while the rest of the pipeline and the
 * handler run, is stored under `spanKey`, and collects the pipeline's events (retries, cache results,
 * breaker moves, rejections). Place it outermost.
 */
export function tracing(options: TracingOptions = {}): Middleware {
  const { tracerProvider, propagator, networkTransport, captureArguments, captureResult, maxCaptureLength } =
    resolveOptions(options);
  const ownTracer = tracerProvider?.getTracer(TRACER_NAME, TRACER_VERSION);
  // The global provider is looked up per call (one property read): it changes when an app or a test
  // calls trace.disable() and registers another, and a tracer from the old one would go nowhere.
  let globalProvider: TracerProvider | undefined;
  let globalTracer: Tracer | undefined;
  function tracerNow(): Tracer {
    if (ownTracer !== undefined) return ownTracer;
    const current = trace.getTracerProvider();
    if (current !== globalProvider || globalTracer === undefined) {
      globalProvider = current;
      globalTracer = current.getTracer(TRACER_NAME, TRACER_VERSION);
    }
    return globalTracer;
  }
  const toolSpans = new Map<string, ToolSpan>();
  const reported = new Set<string>();

  function toolSpanOf(tool: string): ToolSpan {
    let info = toolSpans.get(tool);
    if (info === undefined) {
      // The name comes from the client (an unknown tool's too): the span keeps 256 characters of it.
      const name = bounded(tool);
      info = {
        name: `${MCP_METHOD_NAME_VALUE_TOOLS_CALL} ${name}`,
        options: {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_MCP_METHOD_NAME]: MCP_METHOD_NAME_VALUE_TOOLS_CALL,
            [ATTR_GEN_AI_TOOL_NAME]: name,
            [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
          },
        },
      };
      if (toolSpans.size < MAX_CACHED_TOOLS && name === tool) toolSpans.set(tool, info);
    }
    return info;
  }

  // A broken SDK, propagator or capture function never fails a call: it is reported once per kind.
  function warn(ctx: RequestContext, what: string, error: unknown): void {
    if (reported.has(what)) return;
    reported.add(what);
    ctx.emit({
      type: 'warning',
      source: 'tracing',
      message: redactSecrets(`tracing: ${what}: ${messageOf(error)}`),
      cause: error,
    });
  }

  // The user's capture function runs guarded: when it throws, nothing is recorded and a warning says so.
  // Whatever it returns goes through the same redaction and bounds as a whole-value capture.
  function capture<T>(span: Span, ctx: ToolContext, attribute: string, pick: Capture<T>, value: T): void {
    if (pick === undefined) return;
    const picked = callUserCallback(
      'tracing',
      `the ${attribute} capture`,
      pick,
      [value, ctx],
      undefined,
      ctx,
    );
    try {
      const text = captureValue(picked, maxCaptureLength);
      if (text !== undefined) span.setAttribute(attribute, text);
    } catch (error) {
      warn(ctx, `could not capture ${attribute}`, error);
    }
  }

  // The spec: when the parent comes from _meta, the server SHOULD link the ambient context (an HTTP span).
  function startOptions(options: SpanOptions, active: Context, parent: Context): SpanOptions {
    if (parent === active) return options;
    const ambient = trace.getSpanContext(active);
    if (ambient === undefined || ambient === trace.getSpanContext(parent) || !isSpanContextValid(ambient)) {
      return options;
    }
    return { ...options, links: [{ context: ambient }] };
  }

  function parentOf(ctx: RequestContext, active: Context): Context {
    const meta = ctx.meta;
    if (meta === undefined) return active;
    try {
      return propagator.extract(active, meta, metaGetter);
    } catch (error) {
      warn(ctx, 'could not read the trace context from _meta', error);
      return active;
    }
  }

  function annotate(span: Span, ctx: ToolContext): void {
    try {
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, bounded(String(ctx.requestId)));
      const overHttp = ctx.requestInfo !== undefined;
      span.setAttribute(ATTR_NETWORK_TRANSPORT, networkTransport ?? (overHttp ? 'tcp' : 'pipe'));
      if (overHttp) span.setAttribute(ATTR_NETWORK_PROTOCOL_NAME, 'http');
      const sessionId = ctx.sessionId;
      if (sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, sessionId);
    } catch (error) {
      warn(ctx, 'could not set span attributes', error);
    }
    capture(span, ctx, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, captureArguments, ctx.args);
  }

  function end(span: Span, ctx: ToolContext): void {
    try {
      span.end();
    } catch (error) {
      warn(ctx, 'could not end the span', error);
    }
  }

  function succeed(span: Span, ctx: ToolContext, result: CallToolResult): void {
    let shown: CallToolResult = result;
    try {
      const outcome = outcomeOfResult(result);
      const errorType = errorTypeOf(outcome);
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setStatus(ERROR_STATUS);
      } else if (outcome.kind === 'input_required') {
        span.setAttribute(ATTR_MCP_RESULT_TYPE, 'input_required');
        // The opaque round state is the server's, not telemetry.
        shown = { ...result, requestState: undefined };
      }
    } catch (error) {
      warn(ctx, 'could not record the result', error);
    }
    capture(span, ctx, ATTR_GEN_AI_TOOL_CALL_RESULT, captureResult, shown);
    end(span, ctx);
  }

  function fail(span: Span, ctx: ToolContext, error: unknown): void {
    try {
      const escaped =
        typeof error === 'object' &&
        error !== null &&
        (error as { code?: unknown }).code === PROTOCOL_ESCAPE_CODE;
      span.setAttribute(
        ATTR_ERROR_TYPE,
        escaped ? String(PROTOCOL_ESCAPE_CODE) : (errorTypeOf(outcomeOfError(error)) ?? '_OTHER'),
      );
      if (escaped) span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(PROTOCOL_ESCAPE_CODE));
      const message = redactSecrets(messageOf(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      // Rejections are expected outcomes (error.type names them); only unexpected errors get an exception
      // event. No stack: its first line repeats the unredacted message.
      if (!isMiddlewareError(error) && !escaped) {
        const name = error instanceof Error ? redactSecrets(String(error.name)) : typeof error;
        span.recordException({ name, message });
      }
    } catch (recordError) {
      warn(ctx, 'could not record the error', recordError);
    }
    end(span, ctx);
  }

  function run(ctx: ToolContext, next: Next, active: Context): Promise<CallToolResult> {
    try {
      return context.with(active, next, undefined, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function onEvent(event: MiddlewareEvent, ctx: ToolContext | undefined): void {
    const span = ctx?.get(spanKey) as Partial<Span> | undefined;
    if (span?.isRecording?.() !== true || typeof span.addEvent !== 'function') return;
    const { name, attributes } = spanEventOf(event);
    span.addEvent(name, attributes);
  }

  const middleware: Middleware = function tracing(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const active = context.active();
    const parent = parentOf(ctx, active);
    const info = toolSpanOf(ctx.tool.name);
    let span: Span;
    try {
      span = tracerNow().startSpan(info.name, startOptions(info.options, active, parent), parent);
    } catch (error) {
      warn(ctx, 'could not start a span', error);
      return run(ctx, next, parent);
    }

    if (!span.isRecording()) {
      // No SDK (or tracing suppressed): nothing to record or propagate beyond the parent.
      if (span.spanContext() === INVALID_SPAN_CONTEXT)
        return parent === active ? next(ctx) : run(ctx, next, parent);
      // Sampled out: record nothing, but keep the trace id flowing to the handler's own calls.
      ctx.set(spanKey, span);
      return run(ctx, next, trace.setSpan(parent, span));
    }

    annotate(span, ctx);
    ctx.set(spanKey, span);
    return run(ctx, next, trace.setSpan(parent, span)).then(
      (result) => {
        succeed(span, ctx, result);
        return result;
      },
      (error: unknown) => {
        fail(span, ctx, error);
        return Promise.reject(error);
      },
    );
  };
  middleware.requests = {
    '*': requestStep({ tracer: tracerNow, parentOf, startOptions, warn, networkTransport }),
  };
  middleware.attach = (channel) => {
    channel.subscribe(onEvent);
  };
  return middleware;
}
