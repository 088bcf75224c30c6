/**
 * A session's `tools/call` taken off its transport before the SDK Server's Protocol: the hot path of the
 * gateway. The Server would parse each request with zod, parse the result again, and build a dozen
 * closures for the handler's `extra`; here a plain call (a tool name, plain arguments, no task) reaches the
 * same handler with an `extra` made of one object and one AbortController, and its result is checked by
 * hand (the schema only for unusual shapes). Everything else, and any call whose shape is unusual, goes to
 * the Server as before, so its errors stay the SDK's own, byte for byte.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  type CallToolRequest,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ToolExtra } from '@mcp-middleware/core';
import { isPlainObject } from './plain.js';
import { isCancellation, surelyValid } from './message-shapes.js';
import { checkedToolResult } from './tool-call.js';

/** The handler a lane call reaches: the one the Server has for `tools/call`. */
export type CallHandler = (request: CallToolRequest, extra: ToolExtra) => Promise<CallToolResult>;

/** True for a `tools/call` the lane can take: what CallToolRequestSchema passes, without a task. */
function isPlainCall(
  message: JSONRPCMessage,
): message is JSONRPCMessage & CallToolRequest & { id: RequestId } {
  if (!('method' in message) || message.method !== 'tools/call') return false;
  // What the SDK's message schema checks first: an in-process transport hands messages on unparsed.
  if (!surelyValid(message)) return false;
  const params = message.params;
  if (!isPlainObject(params) || typeof params.name !== 'string' || 'task' in params) return false;
  return params.arguments === undefined || isPlainObject(params.arguments);
}

/** The result the SDK Server would send for `result`, or the InvalidParams error it would throw. */
function sendable(result: CallToolResult): CallToolResult {
  try {
    return checkedToolResult(result);
  } catch (error) {
    const said = error instanceof Error ? error.message : String(error);
    throw new McpError(ErrorCode.InvalidParams, `Invalid tools/call result: ${said}`);
  }
}

/** The JSON-RPC error the SDK's Protocol makes of a thrown handler error. */
function errorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const { code, message, data } = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    code: Number.isSafeInteger(code) ? (code as number) : ErrorCode.InternalError,
    message: typeof message === 'string' ? message : 'Internal error',
    ...(data !== undefined && { data }),
  };
}

/**
 * Puts the lane on `transport`, which `server` is connected to: plain `tools/call` requests go to `handle`,
 * everything else to the Server. Call it right after `server.connect(transport)`; messages that arrived
 * before take the Server's path, which is equally correct.
 */
export function attachLane(server: Server, transport: Transport, handle: CallHandler): void {
  const sdkMessage = transport.onmessage;
  const sdkClose = transport.onclose;
  if (sdkMessage === undefined) return;
  const running = new Map<RequestId, AbortController>();

  const run = (request: CallToolRequest & { id: RequestId }, info: MessageExtraInfo | undefined): void => {
    const { id } = request;
    const controller = new AbortController();
    running.set(id, controller);
    const { signal } = controller;
    // The fields the SDK's own extra has, undefined ones too (but the task ones: a mirror has no task store).
    const extra = {
      signal,
      sessionId: transport.sessionId,
      _meta: request.params._meta,
      requestId: id,
      authInfo: info?.authInfo,
      requestInfo: info?.requestInfo,
      closeSSEStream: info?.closeSSEStream,
      closeStandaloneSSEStream: info?.closeStandaloneSSEStream,
      sendNotification: async (notification) => {
        if (!signal.aborted) await server.notification(notification, { relatedRequestId: id });
      },
      sendRequest: async (asked, schema, options) => {
        if (signal.aborted) throw new McpError(ErrorCode.ConnectionClosed, 'Request was cancelled');
        return server.request(asked, schema, { ...options, relatedRequestId: id });
      },
    } as ToolExtra;
    // Responses in the SDK's key order (result, jsonrpc, id), so the wire is the same byte for byte.
    handle(request, extra)
      .then(sendable)
      .then(
        (result) => (signal.aborted ? undefined : transport.send({ result, jsonrpc: '2.0', id })),
        (error: unknown) =>
          signal.aborted ? undefined : transport.send({ jsonrpc: '2.0', id, error: errorOf(error) }),
      )
      .catch((error: unknown) => server.onerror?.(new Error(`Failed to send response: ${String(error)}`)))
      .finally(() => {
        if (running.get(id) === controller) running.delete(id);
      });
  };

  transport.onmessage = (message, info) => {
    if (isPlainCall(message)) return run(message, info);
    // Only a cancellation the SDK would act on: a malformed one (which the Protocol drops) cancels nothing.
    if (running.size > 0 && isCancellation(message)) {
      const { params } = message as { params?: { requestId?: RequestId; reason?: unknown } };
      const { requestId, reason } = params ?? {};
      if (requestId !== undefined) running.get(requestId)?.abort(reason);
    }
    sdkMessage(message, info);
  };
  transport.onclose = () => {
    for (const controller of running.values()) controller.abort();
    running.clear();
    sdkClose?.();
  };
}
