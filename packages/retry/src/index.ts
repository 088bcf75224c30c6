/** @mcp-middleware/retry: retries with backoff for idempotent MCP tools, with a retry budget. */
export { isTransientFailure, retry } from './retry.js';
export { hasIdempotencyHint } from './options.js';
export type { GiveUpInfo, RetryInfo, RetryOptions } from './options.js';
export type { GiveUpReason } from './give-up.js';
export { backoffCeiling, exponentialBackoff, fullJitter } from './backoff.js';
export type { Backoff, ExponentialBackoffOptions } from './backoff.js';
export { retryBudget } from './budget.js';
export type { RetryBudget, RetryBudgetOptions } from './budget.js';
export { OPERATIONS } from './operations.js';
export type { ResilientOperation } from './operations.js';
