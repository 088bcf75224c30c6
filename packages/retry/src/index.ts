/** @mcp-middleware/retry: retries with backoff for idempotent MCP tools, with a retry budget. */
export { hasIdempotencyHint, isTransientFailure, retry } from './retry.js';
export type { GiveUpInfo, GiveUpReason, RetryInfo, RetryOptions } from './retry.js';
export { backoffCeiling, exponentialBackoff, fullJitter } from './backoff.js';
export type { Backoff, ExponentialBackoffOptions } from './backoff.js';
export { retryBudget } from './budget.js';
export type { RetryBudget, RetryBudgetOptions } from './budget.js';
