/** tracing()'s step for every request other than tools/call: a SERVER span per request, per the MCP conventions. */
import type { Span } from '@opentelemetry/api';
import { isMiddlewareError, type RequestContext, type RequestHook, type Result } from '@mcp-middleware/core';
import { requestFailureOf } from '@mcp-middleware/core/helpers';
import { RequestSpans, resourceUriOf } from './request-span.js';
import { ATTR_MCP_RESOURCE_URI, ATTR_MCP_SESSION_ID } from './semconv.js';
import type { SpanLifecycle, SpanRecorder } from './span-lifecycle.js';
import { bounded } from './text.js';

/** What a request's span records: the session, the resource URI, how it failed. */
class RequestSpanRecorder implements SpanRecorder<RequestContext, Result> {
  constructor(private readonly lifecycle: SpanLifecycle) {}

  annotate(span: Span, ctx: RequestContext): void {
    try {
      this.lifecycle.setConnection(span, ctx);
      const sessionId = ctx.sessionId;
      if (sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, bounded(sessionId));
      const uri = resourceUriOf(ctx.operation, ctx.target);
      if (uri !== undefined) span.setAttribute(ATTR_MCP_RESOURCE_URI, uri);
    } catch (error) {
      this.lifecycle.warn(ctx, 'could not set span attributes', error);
    }
  }

  succeed(span: Span, ctx: RequestContext): void {
    this.lifecycle.end(span, ctx);
  }

  fail(span: Span, ctx: RequestContext, error: unknown): void {
    try {
      // A middleware's error (any code) and the SDK's own answer are expected, as on a tool call's span;
      // only the unexpected get an exception event.
      const failure = requestFailureOf(error, ctx);
      const { jsonRpcCode } = failure;
      const statusCode = jsonRpcCode === undefined ? undefined : String(jsonRpcCode);
      const expected = failure.sdkAnswer || isMiddlewareError(error);
      this.lifecycle.recordError(span, error, failure.errorType, statusCode, expected);
    } catch (recordError) {
      this.lifecycle.warn(ctx, 'could not record the error', recordError);
    }
    this.lifecycle.end(span, ctx);
  }
}

/**
 * The step for lists, reads, gets, completions and any other method: a SERVER span named
 * `{mcp.method.name}` (`prompts/get {prompt}` for a prompt), with `mcp.resource.uri` for resource
 * requests (redacted, bounded, never in the name), the request id, the session id, and on failure
 * `error.type`, `rpc.response.status_code` and status ERROR. Built once per `tracing()`.
 */
export function requestStep(lifecycle: SpanLifecycle): RequestHook {
  const spans = new RequestSpans();
  const recorder = new RequestSpanRecorder(lifecycle);
  return function tracing(ctx, next) {
    return lifecycle.run(ctx, next, spans.of(ctx.operation, ctx.target), recorder);
  };
}
