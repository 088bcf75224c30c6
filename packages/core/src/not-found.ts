/**
 * Answers that must look exactly like the bare server's: a hidden tool, prompt or resource answers as an
 * unknown one (no existence leak), and errors raised by the SDK itself pass through unchanged.
 */
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Operation } from './contract.js';

const HIDDEN = Symbol.for('io.github.mcp-middleware/hidden');
const PROTOCOL = Symbol.for('io.github.mcp-middleware/protocol');

/**
 * Marks a refusal (usually FORBIDDEN) to reach the client as if its target did not exist; observers still
 * see the refusal with its code.
 */
export function asNotFound<E extends object>(error: E): E {
  Object.defineProperty(error, HIDDEN, { value: true });
  return error;
}

/** True for an error marked with {@link asNotFound}. */
export function isNotFound(error: unknown): boolean {
  try {
    return typeof error === 'object' && error !== null && (error as { [HIDDEN]?: true })[HIDDEN] === true;
  } catch {
    // a revoked Proxy throws on any read: it is no mark of ours
    return false;
  }
}

/** Marks an error the SDK raised while handling the request (a malformed request): it goes to the client unchanged. */
export function asProtocolError(error: unknown): unknown {
  try {
    if (typeof error === 'object' && error !== null && !Object.isFrozen(error)) {
      Object.defineProperty(error, PROTOCOL, { value: true });
    }
  } catch {
    // a Proxy or a non-extensible value: it stays an ordinary failure
  }
  return error;
}

/** True for the SDK's own errors and the -32042 escape: they are JSON-RPC errors, never tool results. */
export function isProtocolError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    const tagged = error as { [PROTOCOL]?: true; code?: unknown };
    return tagged[PROTOCOL] === true || tagged.code === -32042;
  } catch {
    return false;
  }
}

// The texts of @modelcontextprotocol/sdk 1.32's McpServer for a name it does not know.
const UNKNOWN: Record<string, string> = {
  'tools/call': 'Tool',
  'prompts/get': 'Prompt',
  'resources/read': 'Resource',
};

/** The error the bare server gives for an unknown target of `operation`. */
export function notFoundError(operation: Operation, target: string | undefined): McpError {
  const kind = UNKNOWN[operation];
  return kind === undefined
    ? new McpError(ErrorCode.InvalidParams, `${operation}: ${target ?? 'request'} not found`)
    : new McpError(ErrorCode.InvalidParams, `${kind} ${target ?? ''} not found`);
}

/** The result SDK 1.32 gives for a call to an unknown tool. */
export function notFoundToolResult(name: string): CallToolResult {
  return { content: [{ type: 'text', text: notFoundError('tools/call', name).message }], isError: true };
}
