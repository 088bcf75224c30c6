/** tracing()'s step for every request other than tools/call: a SERVER span per request, per the MCP conventions. */
import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import {
  redactSecrets,
  spanKey,
  type RequestContext,
  type RequestHook,
  type Result,
} from '@mcp-middleware/core';
import { requestFailureOf, RequestSpans, resourceUriOf } from './request-span.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  type NetworkTransport,
} from './semconv.js';
import { bounded, messageOf } from './text.js';

/** What the request step shares with the tool step of the same `tracing()`. */
export interface SpanEnv {
  /** The tracer to start spans with now (the global provider may change). */
  tracer(): Tracer;
  /** The parent: the context in `params._meta`, else `active`. */
  parentOf(ctx: RequestContext, active: Context): Context;
  /** Start options, with a link to the ambient span when the parent came from `_meta`. */
  startOptions(options: SpanOptions, active: Context, parent: Context): SpanOptions;
  /** Reports a broken SDK or propagator once per kind, as a warning event. */
  warn(ctx: RequestContext, what: string, error: unknown): void;
  readonly networkTransport: NetworkTransport | undefined;
}

type NextRequest = (ctx?: RequestContext) => Promise<Result>;

function run(ctx: RequestContext, next: NextRequest, active: Context): Promise<Result> {
  try {
    return context.with(active, next, undefined, ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The step for lists, reads, gets, completions and any other method: a SERVER span named
 * `{mcp.method.name}` (`prompts/get {prompt}` for a prompt), with `mcp.resource.uri` for resource
 * requests (redacted, bounded, never in the name), the request id, the session id, and on failure
 * `error.type`, `rpc.response.status_code` and status ERROR. Built once per `tracing()`.
 */
export function requestStep(env: SpanEnv): RequestHook {
  const spans = new RequestSpans();

  function annotate(span: Span, ctx: RequestContext): void {
    try {
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, bounded(String(ctx.requestId)));
      const overHttp = ctx.requestInfo !== undefined;
      span.setAttribute(ATTR_NETWORK_TRANSPORT, env.networkTransport ?? (overHttp ? 'tcp' : 'pipe'));
      if (overHttp) span.setAttribute(ATTR_NETWORK_PROTOCOL_NAME, 'http');
      const sessionId = ctx.sessionId;
      if (sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, bounded(sessionId));
      const uri = resourceUriOf(ctx.operation, ctx.target);
      if (uri !== undefined) span.setAttribute(ATTR_MCP_RESOURCE_URI, uri);
    } catch (error) {
      env.warn(ctx, 'could not set span attributes', error);
    }
  }

  function end(span: Span, ctx: RequestContext): void {
    try {
      span.end();
    } catch (error) {
      env.warn(ctx, 'could not end the span', error);
    }
  }

  function fail(span: Span, ctx: RequestContext, error: unknown): void {
    try {
      const failure = requestFailureOf(error, ctx);
      span.setAttribute(ATTR_ERROR_TYPE, failure.errorType);
      if (failure.statusCode !== undefined) {
        span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(failure.statusCode));
      }
      const message = redactSecrets(messageOf(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      // Rejections and the SDK's answers to bad requests are expected; only the unexpected get an
      // exception event, without a stack (its first line repeats the unredacted message).
      if (!failure.expected) {
        const name = error instanceof Error ? redactSecrets(String(error.name)) : typeof error;
        span.recordException({ name, message });
      }
    } catch (recordError) {
      env.warn(ctx, 'could not record the error', recordError);
    }
    end(span, ctx);
  }

  return function tracing(ctx, next) {
    const active = context.active();
    const parent = env.parentOf(ctx, active);
    const info = spans.of(ctx.operation, ctx.target);
    let span: Span;
    try {
      span = env.tracer().startSpan(info.name, env.startOptions(info.options, active, parent), parent);
    } catch (error) {
      env.warn(ctx, 'could not start a span', error);
      return run(ctx, next, parent);
    }
    if (!span.isRecording()) {
      if (span.spanContext() === INVALID_SPAN_CONTEXT) {
        return parent === active ? next(ctx) : run(ctx, next, parent);
      }
      ctx.set(spanKey, span);
      return run(ctx, next, trace.setSpan(parent, span));
    }
    annotate(span, ctx);
    ctx.set(spanKey, span);
    return run(ctx, next, trace.setSpan(parent, span)).then(
      (result) => {
        end(span, ctx);
        return result;
      },
      (error: unknown) => {
        fail(span, ctx, error);
        return Promise.reject(error);
      },
    );
  };
}
