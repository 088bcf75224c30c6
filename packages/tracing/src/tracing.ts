/** tracing(): one OpenTelemetry SERVER span per request (tool calls, lists, reads, gets…), named and attributed per the MCP semantic conventions. */
import type { Span } from '@opentelemetry/api';
import {
  spanKey,
  type CallToolResult,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { resolveOptions, type TracingOptions } from './options.js';
import { requestStep } from './request-step.js';
import { spanEventOf } from './span-events.js';
import { SpanLifecycle } from './span-lifecycle.js';
import { ToolSpanRecorder, ToolSpans } from './tool-span.js';

export { TRACER_NAME, TRACER_VERSION } from './span-lifecycle.js';

function onEvent(event: MiddlewareEvent, ctx: ToolContext | undefined): void {
  const span = ctx?.get(spanKey) as Partial<Span> | undefined;
  if (span?.isRecording?.() !== true || typeof span.addEvent !== 'function') return;
  const { name, attributes } = spanEventOf(event);
  span.addEvent(name, attributes);
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
  const resolved = resolveOptions(options);
  const lifecycle = new SpanLifecycle(resolved);
  const toolSpans = new ToolSpans();
  const recorder = new ToolSpanRecorder(lifecycle, resolved);
  const middleware: Middleware = function tracing(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    return lifecycle.run(ctx, next, toolSpans.of(ctx.tool.name), recorder);
  };
  middleware.requests = { '*': requestStep(lifecycle) };
  middleware.attach = (channel) => {
    channel.subscribe(onEvent);
  };
  return middleware;
}
