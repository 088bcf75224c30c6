/** What the caller is told when retry stops: the last failure, and how many attempts it ended. Pure. */
import { MiddlewareError, isMiddlewareError, type MiddlewareEvent } from '@mcp-middleware/core';

/** Why a call stopped retrying. */
export type GiveUpReason = Extract<MiddlewareEvent, { type: 'give-up' }>['reason'];

const WHY: Record<GiveUpReason, string> = {
  exhausted: 'no retries left',
  'max-time': 'no time left for another attempt',
  budget: 'the retry budget is spent',
  'not-retryable': 'the last failure is not one to retry',
  cancelled: 'the client cancelled',
};

/**
 * The last failure as the caller should see it. After more than one attempt a `MiddlewareError` is
 * re-issued with the same code, retryability and detail, its message saying how many attempts ran, for
 * how long and why retry stopped, and `data.attempts`; `cause` is the last failure. Anything else (an
 * unknown error, a hostile value) is returned as it is, so the caller still sees what the handler threw.
 */
export function gaveUp(error: unknown, attempts: number, elapsedMs: number, reason: GiveUpReason): unknown {
  if (attempts < 2 || !isMiddlewareError(error)) return error;
  try {
    return new MiddlewareError(
      error.code,
      `${attempts} attempts in ${Math.round(elapsedMs)} ms failed (${WHY[reason]}); the last: ${error.message}`,
      {
        retryable: error.retryable,
        retryAfterMs: error.retryAfterMs,
        data: { ...error.data, attempts },
        cause: error,
      },
    );
  } catch {
    return error;
  }
}

/** The `TIMEOUT` a call gets when its overall deadline (`totalTimeoutMs`) passes; `target` names it ("tool `search`"). */
export function overallTimeout(
  target: string,
  totalTimeoutMs: number,
  attempts: number,
  waiting: boolean,
): MiddlewareError {
  const what = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const where = waiting ? 'while waiting to retry' : 'while the last attempt was still running';
  return new MiddlewareError(
    'TIMEOUT',
    `${target} did not answer within the call's overall time limit of ${totalTimeoutMs} ms ` +
      `(${what}, ended ${where}); try again later, or ask for less work per call`,
    { data: { totalTimeoutMs, attempts } },
  );
}
