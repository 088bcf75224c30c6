/** How a replayed result says so: `_meta["io.github.mcp-middleware/idempotency"] = { replayed: true, ageMs }`. */
import type { CallToolResult } from '@mcp-middleware/core';

/** The `_meta` key a replayed result carries: `{ replayed: true, ageMs }`. */
export const IDEMPOTENCY_META_KEY = 'io.github.mcp-middleware/idempotency';

/** What a replayed result carries under {@link IDEMPOTENCY_META_KEY}. */
export interface IdempotencyMeta {
  readonly replayed: true;
  /** How long ago the first call completed (0 for a repeat that waited for it). */
  readonly ageMs: number;
}

/** `result` marked as a replay of a call that completed `ageMs` ago. */
export function replayed(result: CallToolResult, ageMs: number): CallToolResult {
  const meta: IdempotencyMeta = { replayed: true, ageMs };
  return { ...result, _meta: { ...result._meta, [IDEMPOTENCY_META_KEY]: meta } };
}
