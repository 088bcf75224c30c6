/** tracing()'s tools/call span: its name and start options per tool (a bounded cache), and what it records. */
import { SpanKind, SpanStatusCode, type Span, type SpanStatus } from '@opentelemetry/api';
import { isMiddlewareError, type CallToolResult, type ToolContext } from '@mcp-middleware/core';
import {
  callUserCallback,
  errorTypeOf,
  isProtocolEscape,
  outcomeOfError,
  outcomeOfResult,
} from '@mcp-middleware/core/helpers';
import { captureValue } from './carrier.js';
import type { Capture, ResolvedTracingOptions } from './options.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESULT_TYPE,
  ATTR_MCP_SESSION_ID,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  MCP_METHOD_NAME_VALUE_TOOLS_CALL,
} from './semconv.js';
import type { SpanLifecycle, SpanRecorder, SpanStart } from './span-lifecycle.js';
import { bounded } from './text.js';

// Span names and start options are built once per tool; past this many tools they are built per call.
const MAX_CACHED_TOOLS = 1000;
const ERROR_STATUS: SpanStatus = { code: SpanStatusCode.ERROR };
// The one JSON-RPC error SDK 1.x lets escape a tool callback (UrlElicitationRequired), core's
// `isProtocolEscape`: its code is both the error.type and the status code.
const PROTOCOL_ESCAPE = '-32042';

/** `tools/call {tool}` and its start attributes, built once per tool name (up to a cap). */
export class ToolSpans {
  private readonly cache = new Map<string, SpanStart>();

  /** The name and start options of a call to `tool`. */
  of(tool: string): SpanStart {
    let info = this.cache.get(tool);
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
      if (this.cache.size < MAX_CACHED_TOOLS && name === tool) this.cache.set(tool, info);
    }
    return info;
  }
}

type CaptureSettings = Pick<
  ResolvedTracingOptions,
  'captureArguments' | 'captureResult' | 'maxCaptureLength'
>;

/** What a tool call's span records: the session, the captured arguments and result, the outcome. */
export class ToolSpanRecorder implements SpanRecorder<ToolContext, CallToolResult> {
  private readonly captureArguments: Capture<ToolContext['args']>;
  private readonly captureResult: Capture<CallToolResult>;
  private readonly maxCaptureLength: number;

  constructor(
    private readonly lifecycle: SpanLifecycle,
    settings: CaptureSettings,
  ) {
    this.captureArguments = settings.captureArguments;
    this.captureResult = settings.captureResult;
    this.maxCaptureLength = settings.maxCaptureLength;
  }

  annotate(span: Span, ctx: ToolContext): void {
    try {
      this.lifecycle.setConnection(span, ctx);
      const sessionId = ctx.sessionId;
      if (sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, sessionId);
    } catch (error) {
      this.lifecycle.warn(ctx, 'could not set span attributes', error);
    }
    this.capture(span, ctx, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, this.captureArguments, ctx.args);
  }

  succeed(span: Span, ctx: ToolContext, result: CallToolResult): void {
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
      this.lifecycle.warn(ctx, 'could not record the result', error);
    }
    this.capture(span, ctx, ATTR_GEN_AI_TOOL_CALL_RESULT, this.captureResult, shown);
    this.lifecycle.end(span, ctx);
  }

  fail(span: Span, ctx: ToolContext, error: unknown): void {
    try {
      // Rejections are expected outcomes (error.type names them); only unexpected errors get an exception event.
      const escaped = isProtocolEscape(error);
      this.lifecycle.recordError(
        span,
        error,
        escaped ? PROTOCOL_ESCAPE : (errorTypeOf(outcomeOfError(error)) ?? '_OTHER'),
        escaped ? PROTOCOL_ESCAPE : undefined,
        escaped || isMiddlewareError(error),
      );
    } catch (recordError) {
      this.lifecycle.warn(ctx, 'could not record the error', recordError);
    }
    this.lifecycle.end(span, ctx);
  }

  // The user's capture function runs guarded: when it throws, nothing is recorded and a warning says so.
  // Whatever it returns goes through the same redaction and bounds as a whole-value capture.
  private capture<T>(span: Span, ctx: ToolContext, attribute: string, pick: Capture<T>, value: T): void {
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
      const text = captureValue(picked, this.maxCaptureLength);
      if (text !== undefined) span.setAttribute(attribute, text);
    } catch (error) {
      this.lifecycle.warn(ctx, `could not capture ${attribute}`, error);
    }
  }
}
