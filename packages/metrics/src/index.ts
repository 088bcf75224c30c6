/** @mcp-middleware/metrics: Prometheus (and OpenTelemetry) metrics for every MCP request, named after the OpenTelemetry MCP conventions. */
export { metrics } from './metrics.js';
export type { MetricsMiddleware, MetricsOptions } from './metrics.js';
export type { MeterOption } from './otel.js';
export { metricsHandler, negotiateFormat } from './handler.js';
export type { MetricsRequestHandler } from './handler.js';
export { formatMetrics } from './exposition.js';
export type { ExpositionFormat, MetricsJson } from './exposition.js';
export type { AnyRegistry } from './instruments.js';
export {
  CACHE_REQUESTS,
  CALLS_IN_FLIGHT,
  CIRCUIT_BREAKERS,
  DEFAULT_BUCKETS,
  MAX_METHODS,
  METRIC_NAMES,
  OPERATION_DURATION,
  OTEL_ATTRIBUTES,
  OTEL_OPERATION_DURATION,
  OTHER_METHOD,
  OTHER_TOOL,
  REJECTIONS,
  RETRIES,
} from './names.js';
