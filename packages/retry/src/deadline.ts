/** The overall deadline of one call through retry: every attempt and every wait between them fit in it. */
import type { RequestContext } from '@mcp-middleware/core';

/** What the retry loop and the deadline share about one call. */
export interface CallState {
  /** Attempts started so far. */
  attempts: number;
  /** True while the loop waits before the next attempt. */
  waiting: boolean;
  /** Set once the call is answered: by the loop, or by the deadline (the loop then stops quietly). */
  done: boolean;
}

/**
 * Runs `run` with a context whose signal also aborts at `totalTimeoutMs` after now. At that moment the
 * caller gets `expire(state)` (the attempt in flight keeps running only until it notices its signal).
 * A client cancel is passed down and left to the loop to answer. No timer or listener outlives the call;
 * the signal below is made only if someone reads it.
 */
export function runWithin<R>(
  ctx: RequestContext,
  totalTimeoutMs: number,
  run: (ctx: RequestContext, state: CallState) => Promise<R>,
  expire: (state: CallState) => Error,
): Promise<R> {
  const parent = ctx.signal;
  const clock = ctx.clock;
  const state: CallState = { attempts: 0, waiting: false, done: false };
  return new Promise<R>((resolve, reject) => {
    let controller: AbortController | undefined;
    let abortedWith: unknown;
    let aborted = false;
    const abortBelow = (reason: unknown): void => {
      aborted = true;
      abortedWith = reason;
      controller?.abort(reason);
    };
    const finish = (): boolean => {
      if (state.done) return false;
      state.done = true;
      clock.clearTimeout(timer);
      parent.removeEventListener('abort', onCancel);
      return true;
    };
    const onCancel = (): void => abortBelow(parent.reason);
    const timer = clock.setTimeout(() => {
      if (!finish()) return;
      const error = expire(state);
      abortBelow(error);
      reject(error);
    }, totalTimeoutMs);
    if (parent.aborted) abortBelow(parent.reason);
    else parent.addEventListener('abort', onCancel, { once: true });
    const signal = (): AbortSignal => {
      controller = new AbortController();
      if (aborted) controller.abort(abortedWith);
      return controller.signal;
    };
    run(ctx.with({ signal }), state).then(
      (result) => {
        if (finish()) resolve(result);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
