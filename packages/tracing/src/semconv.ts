/**
 * The OpenTelemetry attribute names this package emits, copied as string literals: the MCP and GenAI
 * names are Development status and moved repositories, and semconv's `incubating` entry must not be
 * imported at runtime (its README says to copy what you use).
 */

/** The MCP method of the request: `tools/call`, `resources/read`, `tools/list`, … */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
/** The session id, when the transport has sessions (Streamable HTTP, stateful). */
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
/** The tool's name. */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** The prompt's name (`prompts/get`). */
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
/** The resource's URI (`resources/read`, `resources/subscribe`, `resources/unsubscribe`); never in a span name. */
export const ATTR_MCP_RESOURCE_URI = 'mcp.resource.uri';
/** `execute_tool` for tool calls. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** Opt-in: the tool's arguments (sensitive). */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** Opt-in: the tool's result (sensitive). */
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** The JSON-RPC request id, as a string. */
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
/** The JSON-RPC error code of the response, as a string, when the response is a JSON-RPC error. */
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
/** `pipe` for stdio, `tcp` for HTTP. */
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
/** `http` when the request came over HTTP. */
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';
/** Set iff the call failed: `tool_error`, a middleware code, a JSON-RPC code or `_OTHER`. */
export const ATTR_ERROR_TYPE = 'error.type';
/** This toolkit's own: `input_required` when a 2026-07-28 answer asks the client for input (not an error). */
export const ATTR_MCP_RESULT_TYPE = 'mcp.result.type';

export const MCP_METHOD_NAME_VALUE_TOOLS_CALL = 'tools/call';
export const MCP_METHOD_NAME_VALUE_PROMPTS_GET = 'prompts/get';
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool';

/** The values `network.transport` may take. */
export const NETWORK_TRANSPORTS = ['tcp', 'udp', 'pipe', 'unix', 'quic'] as const;
/** A `network.transport` value. */
export type NetworkTransport = (typeof NETWORK_TRANSPORTS)[number];
