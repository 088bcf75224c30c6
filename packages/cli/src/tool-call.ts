/** The innermost step of every gateway pipeline: forward one `tools/call` to the upstream server. */
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  McpError,
  type CallToolRequest,
  type Progress,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { MiddlewareError, type CallToolResult, type ToolContext, type ToolInfo } from '@mcp-middleware/core';
import { createToolInfo, asProtocolError } from '@mcp-middleware/core/helpers';
import { isPropagating, upstreamCall, withTraceContext } from './gateway-tracing.js';
import { isPlainObject } from './plain.js';
import { surelyValidMeta } from './message-shapes.js';
import { describeError, type UpstreamConnection } from './upstream.js';

/** The ToolInfo a pipeline sees for an upstream tool: its JSON Schemas and annotations, untouched. */
export function toolInfoOf(tool: Tool): ToolInfo {
  return createToolInfo(tool.name, tool);
}

type RequestMeta = NonNullable<CallToolRequest['params']['_meta']>;

/**
 * The request `_meta` to send upstream: the client's, minus its progress token, with the gateway's own
 * trace context when it traces. The SDK sets its own token when we ask for progress; forwarding the
 * client's could collide with another call's.
 */
export function forwardMeta(client: RequestMeta | undefined): RequestMeta | undefined {
  const meta = withTraceContext(client);
  if (meta === undefined) return undefined;
  if (meta.progressToken === undefined) return meta;
  const { progressToken: _client, ...rest } = meta;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/**
 * An upstream's JSON-RPC error as the upstream sent it: same code, message and data. The SDK's client
 * prefixes the message with "MCP error <code>: " and its server would send that prefix on; here it goes.
 */
export function upstreamProtocolError(error: unknown): McpError {
  const { code, data, message } = error as { code: number; data?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(message);
  const prefix = `MCP error ${code}: `;
  const raw = text.startsWith(prefix) ? text.slice(prefix.length) : text;
  const passed = new McpError(code, raw, data);
  passed.message = raw;
  return passed;
}

const LOCAL_CODES = new Set<number>([ErrorCode.ConnectionClosed, ErrorCode.RequestTimeout]);

/** Rethrows a failed forwarded request: a JSON-RPC error unchanged, anything else as it is. */
export function rethrowUpstream(error: unknown): never {
  const code = (error as { code?: unknown } | undefined)?.code;
  // The SDK's own -32000 and -32001 are local (the connection closed, the wait ran out), not the upstream's.
  if (typeof code === 'number' && !LOCAL_CODES.has(code)) {
    throw upstreamProtocolError(error);
  }
  throw error;
}

/** Turns a failed upstream request into the error the pipeline sees. */
export function upstreamFailure(error: unknown, ctx: ToolContext, requestTimeoutMs: number): unknown {
  // A cancelled or deadline-bound call: hand the signal's own reason back, so `timeout()` recognises it.
  if (ctx.signal.aborted) return error;
  const code = (error as { code?: unknown }).code;
  const name = ctx.tool.name;
  if (code === ErrorCode.ConnectionClosed) {
    return new MiddlewareError(
      'UPSTREAM_ERROR',
      `the upstream MCP server went away while tool \`${name}\` was running; the call may or may not have ` +
        'taken effect',
      { cause: error },
    );
  }
  if (code === ErrorCode.RequestTimeout) {
    return new MiddlewareError(
      'TIMEOUT',
      `the upstream MCP server did not answer tool \`${name}\` within ${requestTimeoutMs} ms`,
      { cause: error },
    );
  }
  // The upstream answered with a JSON-RPC error: the client gets that error, as the bare server gives it.
  if (typeof code === 'number') return asProtocolError(upstreamProtocolError(error));
  return new MiddlewareError(
    'UPSTREAM_ERROR',
    `the call to tool \`${name}\` could not reach the upstream MCP server: ${describeError(error)}`,
    { cause: error },
  );
}

/** What the tool handler needs from the gateway at call time. */
export interface UpstreamHandlerHost {
  /**
   * The connection for the session that made this call, or undefined while the upstream is down; a
   * promise only while a session's own connection is still opening.
   */
  connection(ctx: ToolContext): UpstreamConnection | undefined | Promise<UpstreamConnection | undefined>;
  /** Why there is no connection, for the error text; includes when to retry. */
  unavailable(toolName: string): MiddlewareError;
}

/** True for `{ type: 'text', text }` and nothing else: the block the schema passes as it is. */
function isPlainText(block: unknown): boolean {
  if (!isPlainObject(block)) return false;
  const { type, text } = block;
  if (type !== 'text' || typeof text !== 'string') return false;
  for (const key in block) if (key !== 'type' && key !== 'text') return false;
  return true;
}

/**
 * A tools/call result as the SDK's CallToolResultSchema would pass it. The common shape (plain text blocks,
 * the usual fields) is checked by hand; anything else gets the schema itself, which refuses what the
 * Client's request would have refused, strips what it strips, and fills `content: []` when a result omits it.
 */
export function checkedToolResult(result: unknown): CallToolResult {
  const { content, isError, structuredContent, _meta } = (result ?? {}) as Record<string, unknown>;
  if (
    isPlainObject(result) &&
    Array.isArray(content) &&
    content.every(isPlainText) &&
    (isError === undefined || typeof isError === 'boolean') &&
    (structuredContent === undefined || isPlainObject(structuredContent)) &&
    surelyValidMeta(_meta)
  ) {
    return result as CallToolResult;
  }
  // The schema the Client parses with, so a refusal lists the same issues in the same words.
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

/** The `tools/call` request `ctx` sends upstream on `connection`. */
function sendCall(
  connection: UpstreamConnection,
  ctx: ToolContext,
  timeout: number,
): Promise<CallToolResult> {
  const meta = forwardMeta(ctx.meta);
  const params: CallToolRequest['params'] =
    meta === undefined
      ? { name: ctx.tool.name, arguments: ctx.args }
      : { name: ctx.tool.name, arguments: ctx.args, _meta: meta };
  // A task-augmented call (2025-11-25 tasks) goes up as one; its answer is a CreateTaskResult.
  const task = ctx.params?.task as CallToolRequest['params']['task'];
  if (task !== undefined) params.task = task;
  const token = ctx.meta?.progressToken;
  const onprogress =
    token === undefined
      ? undefined
      : (progress: Progress) => {
          ctx.extra
            .sendNotification({
              method: 'notifications/progress',
              params: { ...progress, progressToken: token },
            })
            .catch(() => undefined);
        };
  const { lane } = connection;
  if (lane !== undefined && task === undefined) {
    return lane.request('tools/call', params, { timeout, signal: ctx.signal, onprogress }, checkedToolResult);
  }
  const options: RequestOptions =
    onprogress === undefined
      ? { timeout, signal: ctx.signal }
      : { timeout, signal: ctx.signal, resetTimeoutOnProgress: true, onprogress };
  const schema = task === undefined ? CallToolResultSchema : CreateTaskResultSchema;
  return connection.client.request(
    { method: 'tools/call', params },
    schema,
    options,
  ) as Promise<CallToolResult>;
}

/**
 * The handler every tool's pipeline ends in: calls the tool upstream with the pipeline's args and signal,
 * forwards progress to the client that asked for it, and cancels upstream when the signal aborts.
 */
export function upstreamToolHandler(
  host: UpstreamHandlerHost,
  requestTimeoutMs: number,
): (ctx: ToolContext) => Promise<CallToolResult> {
  const forward = (ctx: ToolContext, connection: UpstreamConnection | undefined): Promise<CallToolResult> => {
    if (connection === undefined) return Promise.reject(host.unavailable(ctx.tool.name));
    // Inside the gateway's CLIENT span when it traces, so the upstream's spans are its children.
    const sent = isPropagating()
      ? upstreamCall('tools/call', ctx.tool.name, () => sendCall(connection, ctx, requestTimeoutMs))
      : sendCall(connection, ctx, requestTimeoutMs);
    return sent.then(undefined, (error: unknown) => {
      throw upstreamFailure(error, ctx, requestTimeoutMs);
    });
  };
  return function callUpstream(ctx) {
    const found = host.connection(ctx);
    if (!(found instanceof Promise)) return forward(ctx, found);
    return found.then(
      (connection) => forward(ctx, connection),
      (error: unknown) => {
        throw upstreamFailure(error, ctx, requestTimeoutMs);
      },
    );
  };
}
