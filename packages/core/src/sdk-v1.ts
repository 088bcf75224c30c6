/**
 * The one fence around @modelcontextprotocol/sdk 1.x internals: where a server keeps its request handlers
 * and its registered tools. `sdk-v1.test.ts` fails loudly if an SDK upgrade moves them.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolExtra } from './contract.js';

/** What Protocol stores per method: the raw JSON-RPC request in, the result out. */
export type RawRequestHandler = (
  request: { readonly method: string; readonly params?: Record<string, unknown> },
  extra: ToolExtra,
) => Promise<unknown>;

/** The SDK's registered-tool record, with the fields 1.32 keeps and reads per call. */
export type ToolRecord = Omit<RegisteredTool, 'handler'> & { handler: unknown };

interface ProtocolInternals {
  _requestHandlers?: unknown;
}

/** The low-level protocol object of an McpServer, or the object itself for a low-level Server. */
export function protocolOf(server: object): object {
  const inner = (server as { server?: unknown }).server;
  return typeof inner === 'object' && inner !== null && '_requestHandlers' in inner ? inner : server;
}

/** The map of request handlers by method, or undefined when this is not an SDK 1.x protocol object. */
export function requestHandlersOf(protocol: object): Map<string, RawRequestHandler> | undefined {
  const handlers = (protocol as ProtocolInternals)._requestHandlers;
  return handlers instanceof Map ? (handlers as Map<string, RawRequestHandler>) : undefined;
}

/** Swaps the protocol's handler map for `replacement` (which holds the same handlers, wrapped). */
export function replaceRequestHandlers(protocol: object, replacement: Map<string, RawRequestHandler>): void {
  (protocol as ProtocolInternals)._requestHandlers = replacement;
}

/** The registered tools of an McpServer by name, or undefined for a low-level Server or another SDK line. */
export function toolRegistryOf(server: object): Record<string, ToolRecord> | undefined {
  if (protocolOf(server) === server) return undefined;
  const registry = (server as { _registeredTools?: unknown })._registeredTools;
  return typeof registry === 'object' && registry !== null
    ? (registry as Record<string, ToolRecord>)
    : undefined;
}

/** True for an McpServer of SDK 1.x (it has a tool registry and `registerTool`). */
export function isMcpServer(server: object): server is McpServer {
  return toolRegistryOf(server) !== undefined && typeof (server as McpServer).registerTool === 'function';
}
