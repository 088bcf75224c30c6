/** @mcp-middleware/timeout: a per-call deadline with an AbortSignal down the chain. */
export { timeout } from './timeout.js';
export type { TimeoutInfo, TimeoutOptions } from './timeout.js';
export { OPERATIONS } from './operations.js';
export type { ResilientOperation } from './operations.js';
