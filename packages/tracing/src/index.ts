/** @mcp-middleware/tracing: OpenTelemetry spans for every MCP request, per the MCP semantic conventions. */
export { TRACER_NAME, TRACER_VERSION, tracing } from './tracing.js';
export type { TracingOptions } from './options.js';
export { EVENT_PREFIX } from './span-events.js';
export type { NetworkTransport } from './semconv.js';
