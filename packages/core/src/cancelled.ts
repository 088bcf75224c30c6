/** The one CANCELLED error a middleware builds when its caller gives up while it waits. */
import type { RequestContext } from './contract.js';
import { describeTarget } from './describe-target.js';
import { isMiddlewareError, MiddlewareError, type MiddlewareErrorLike } from './errors.js';

/**
 * The error for a request whose signal aborted with `reason`. A `MiddlewareError` reason (the TIMEOUT of a
 * deadline above) passes on as it is; anything else is the client cancelling: CANCELLED naming what the
 * request was for and, with `during`, what it was waiting for ("while waiting for a free slot"), with
 * `reason` as its `cause` (or `cause` when given: retry's last failure). Never throws, whatever `reason` is.
 */
export function cancelledError(
  ctx: Pick<RequestContext, 'operation' | 'target'>,
  reason: unknown,
  during?: string,
  cause: unknown = reason,
): MiddlewareErrorLike {
  if (isMiddlewareError(reason)) return reason;
  const what = ctx.operation === 'tools/call' ? 'the call to' : 'the request for';
  const tail = during === undefined ? '' : ` ${during}`;
  return new MiddlewareError('CANCELLED', `${what} ${describeTarget(ctx)} was cancelled${tail}`, { cause });
}
