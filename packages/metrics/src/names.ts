/** Metric and label names: the OpenTelemetry MCP conventions in Prometheus form, plus this toolkit's own. */

/** `mcp.server.operation.duration` (histogram, seconds) in Prometheus form. */
export const OPERATION_DURATION = 'mcp_server_operation_duration_seconds';
/** Tool calls running now, by tool (gauge). */
export const CALLS_IN_FLIGHT = 'mcp_middleware_calls_in_flight';
/** Calls a middleware rejected, by tool and code (counter). */
export const REJECTIONS = 'mcp_middleware_rejections_total';
/** Retry attempts after the first, by tool (counter). */
export const RETRIES = 'mcp_middleware_retries_total';
/** Cache lookups by tool and result: hit, miss, stale, bypass (counter). */
export const CACHE_REQUESTS = 'mcp_middleware_cache_requests_total';
/** 2026-07-28 `input_required` answers (the client must call again), by method and tool (counter). */
export const INPUT_REQUIRED = 'mcp_middleware_input_required_total';
/** Circuit breakers of a tool in each non-closed state: open, half-open (gauge). */
export const CIRCUIT_BREAKERS = 'mcp_middleware_circuit_breakers';

/** Every metric this package registers. */
export const METRIC_NAMES = [
  OPERATION_DURATION,
  CALLS_IN_FLIGHT,
  REJECTIONS,
  RETRIES,
  CACHE_REQUESTS,
  INPUT_REQUIRED,
  CIRCUIT_BREAKERS,
] as const;

/** The advisory buckets of the MCP conventions, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
]);

/** The `gen_ai_tool_name` value for tools beyond `maxTools` (and `gen_ai_prompt_name` beyond `maxPrompts`). */
export const OTHER_TOOL = '_other';
/** The `mcp_method_name` value for methods beyond the first {@link MAX_METHODS}. */
export const OTHER_METHOD = '_other';
/** Distinct methods with their own series; a server answers a fixed set, this only guards the label. */
export const MAX_METHODS = 64;

/** `mcp.server.operation.duration` as the OpenTelemetry meter API records it (unit `s`). */
export const OTEL_OPERATION_DURATION = 'mcp.server.operation.duration';
/** The attribute names of the MCP conventions, written here rather than imported from `/incubating`. */
export const OTEL_ATTRIBUTES = Object.freeze({
  method: 'mcp.method.name',
  tool: 'gen_ai.tool.name',
  prompt: 'gen_ai.prompt.name',
  operation: 'gen_ai.operation.name',
  errorType: 'error.type',
} as const);
