/** @mcp-middleware/core/testing: test your middlewares the way this project tests its own. */
export { manualClock } from './manual-clock.js';
export type { ManualClock } from './manual-clock.js';
export { createTestContext, createTestExtra, stubHandler, textResult } from './context.js';
export { rejectionOf } from './rejection.js';
export type { StubHandler, TestContext, TestContextOptions } from './context.js';
export { connectInMemory } from './in-memory.js';
export type { ConnectOptions, InMemoryConnection } from './in-memory.js';
export { hostileValues } from './hostile.js';
