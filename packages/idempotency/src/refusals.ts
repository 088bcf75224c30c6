/** The errors idempotency() refuses a call with (each emits its reject event where the caller would). */
import { MiddlewareError, type MiddlewareErrorLike, type ToolContext } from '@mcp-middleware/core';
import { cancelledError } from '@mcp-middleware/core/helpers';

const SOURCE = 'idempotency';

/** The key was used for another tool or other arguments. */
export function conflict(ctx: ToolContext): MiddlewareError {
  ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
  return new MiddlewareError(
    'INVALID_ARGUMENTS',
    `call to tool \`${ctx.tool.name}\` refused: its idempotency key was already used for another call ` +
      `(another tool or other arguments); send a new key for a new operation`,
    { data: { reason: 'idempotency_key_conflict' } },
  );
}

/** Another replica still runs the key and waitMs passed. */
export function stillRunning(ctx: ToolContext, pollMs: number): MiddlewareError {
  ctx.emit({ type: 'reject', code: 'CONCURRENCY_LIMITED', source: SOURCE });
  return new MiddlewareError(
    'CONCURRENCY_LIMITED',
    `call to tool \`${ctx.tool.name}\` with this idempotency key is still running; retry later with the same key`,
    { retryAfterMs: pollMs, data: { reason: 'idempotency_key_in_flight' } },
  );
}

/** The repeat left (its signal aborted) while waiting. */
export function cancelled(ctx: ToolContext, reason: unknown): MiddlewareErrorLike {
  return cancelledError(ctx, reason);
}
