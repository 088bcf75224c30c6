/** The one mapping from a refusal of a request other than tools/call to the JSON-RPC error the client sees. */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { RequestContext } from './contract.js';
import { isMiddlewareError } from './errors.js';
import { asProtocolError, isNotFound, isProtocolError, notFoundError } from './not-found.js';
import { ERROR_META_KEY, toToolResult } from './result.js';

function isSdkError(error: unknown): boolean {
  try {
    return error instanceof McpError && !isMiddlewareError(error);
  } catch {
    // a revoked Proxy: not the SDK's
    return false;
  }
}

// Standard JSON-RPC codes only: never the spec's reserved server range.
function jsonRpcCodeOf(code: string): number {
  if (code === 'INVALID_ARGUMENTS' || code === 'PAYLOAD_TOO_LARGE') return ErrorCode.InvalidParams;
  if (code === 'TIMEOUT') return ErrorCode.RequestTimeout;
  return ErrorCode.InternalError;
}

/**
 * Turns what a pipeline rejected a list, read, get or completion with into a JSON-RPC error: a hidden
 * target answers as an unknown one, the SDK's own errors pass unchanged, and everything else carries the
 * same redacted text and `_meta` detail a refused tool call would, under `data`.
 */
export function toRequestError(
  error: unknown,
  ctx: Pick<RequestContext, 'operation' | 'target'>,
  unknown: (operation: string, target: string | undefined) => unknown = notFoundError,
): unknown {
  if (isNotFound(error)) return asProtocolError(unknown(ctx.operation, ctx.target));
  if (isProtocolError(error) || isSdkError(error)) return error;
  const result = toToolResult(error);
  const detail = result._meta?.[ERROR_META_KEY] as { code: string } | undefined;
  const first = result.content[0];
  const text = first?.type === 'text' ? first.text : 'request failed';
  return new RefusedRequest(jsonRpcCodeOf(detail?.code ?? 'INTERNAL'), text, { [ERROR_META_KEY]: detail });
}

/**
 * A refusal as the Protocol sends it: an `McpError` (so code that checks for one keeps working) whose
 * message is our text alone. `McpError` would prefix "MCP error -32603: ", and the client adds its own.
 */
export class RefusedRequest extends McpError {
  constructor(code: number, message: string, data: Readonly<Record<string, unknown>>) {
    super(code, message, data);
    this.message = message;
  }
}
