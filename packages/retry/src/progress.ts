/** The `notifications/progress` retry sends before each retry, when the client asked for progress. */
import type { RequestContext } from '@mcp-middleware/core';
import { describeTarget, errorTypeOf, type Outcome } from '@mcp-middleware/core/helpers';
import { warn } from './guard.js';

/**
 * Tells the client that attempt `attempt` (of `retries + 1`) starts in `delayMs`, when it sent a
 * `progressToken`. A notification that cannot be sent is a `warning`, never a failed call.
 */
export function sendProgress(
  ctx: RequestContext,
  attempt: number,
  retries: number,
  delayMs: number,
  outcome: Outcome,
): void {
  const token = ctx.meta?.progressToken;
  if (token === undefined) return;
  const failed = (cause: unknown): void => warn('progress notification failed', ctx, cause);
  try {
    ctx.extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: attempt - 1,
          total: retries,
          message: `retrying ${describeTarget(ctx)} (attempt ${attempt} of ${retries + 1}) in ${delayMs} ms after ${errorTypeOf(outcome) ?? 'a failure'}`,
        },
      })
      .catch(failed);
  } catch (cause) {
    failed(cause);
  }
}
