/** @mcp-middleware/circuit-breaker: per-tool circuit breakers for MCP servers, on opossum. */
export { circuitBreaker } from './circuit-breaker.js';
export type { BreakerInfo, CircuitBreakerMiddleware, CircuitBreakerOptions } from './circuit-breaker.js';
export { isDependencyFailure, openMessage, retryAfterMs } from './failure.js';
export type { BreakerState } from './failure.js';
export { requestKey } from './keys.js';
export { OPERATIONS } from './operations.js';
export type { ResilientOperation } from './operations.js';
