/**
 * One abort listener per signal, shared by every layer that waits on it. Adding and removing a listener
 * on an AbortSignal is one of the dearer things a call does (dearer still on Node 20); a layer that
 * only needs to hear of a cancellation while it waits registers a plain callback here instead.
 */

import type { RequestContext } from './contract.js';
import { lazySignalOf } from './context.js';

type Callback = () => void;

const SOURCE = Symbol('cancellation');
type Marked = (() => AbortSignal) & { [SOURCE]?: Cancellation };

// Runs every callback; one that throws is reported as an abort listener's throw would be, and the others
// still run.
function runAll(callbacks: readonly Callback[]): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

// The callbacks waiting on one signal. The signal's own listener is added with the first one and stays
// (a signal aborts once; a request's signal is dropped with the request).
class Scope {
  readonly waiting = new Set<Callback>();
  readonly fire = (): void => {
    const callbacks = [...this.waiting];
    this.waiting.clear();
    runAll(callbacks);
  };
}

const scopes = new WeakMap<AbortSignal, Scope>();

/**
 * Calls `callback` once, when `signal` aborts, unless the returned function is called first. The signal
 * must not have aborted yet (check `signal.aborted` before), and one function is registered once per
 * signal (each waiter passes its own closure). Callbacks run in the order they were added, all from the
 * signal's one listener.
 */
export function whenCancelled(signal: AbortSignal, callback: () => void): () => void {
  let scope = scopes.get(signal);
  if (scope === undefined) {
    scope = new Scope();
    scopes.set(signal, scope);
    signal.addEventListener('abort', scope.fire, { once: true });
  }
  const waiting = scope.waiting;
  waiting.add(callback);
  return () => {
    waiting.delete(callback);
  };
}

/**
 * A signal for the layers below, made only when one of them reads it. Pass `signal` to
 * `ctx.with({ signal })`; a layer below that only needs to know of an abort asks through
 * {@link watchCancellation} and {@link cancelReasonOf}, which never make the AbortController.
 */
export class Cancellation {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #waiting: Set<Callback> | undefined;
  /** For `ctx.with({ signal })`: makes the signal on first read (aborted already if `abort` came first). */
  readonly signal = (): AbortSignal => {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  };

  constructor() {
    // A mark on the function, not a WeakMap entry: an entry per call costs the collector far more.
    (this.signal as Marked)[SOURCE] = this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts with `reason`: the signal, if made, and every waiter, at once. Later calls do nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting !== undefined) runAll([...waiting]);
  }

  /** Calls `callback` on abort unless the returned function is called first (not aborted yet: check). */
  onAbort(callback: () => void): () => void {
    const waiting = (this.#waiting ??= new Set());
    waiting.add(callback);
    return () => {
      waiting.delete(callback);
    };
  }
}

function cancellationOf(ctx: RequestContext): Cancellation | undefined {
  const lazy = lazySignalOf(ctx) as Marked | undefined;
  return lazy === undefined ? undefined : lazy[SOURCE];
}

/**
 * Calls `callback` when `ctx`'s signal aborts, unless the returned function is called first; answers
 * undefined (and never calls it) when the signal has aborted already. A signal a layer above made lazily
 * (a {@link Cancellation}) is not made by asking.
 */
export function watchCancellation(ctx: RequestContext, callback: () => void): (() => void) | undefined {
  const source = cancellationOf(ctx);
  if (source !== undefined) return source.aborted ? undefined : source.onAbort(callback);
  const signal = ctx.signal;
  return signal.aborted ? undefined : whenCancelled(signal, callback);
}

/** Why `ctx`'s signal aborted (undefined while it has not), without making a lazy signal. */
export function cancelReasonOf(ctx: RequestContext): unknown {
  const source = cancellationOf(ctx);
  return source === undefined ? ctx.signal.reason : source.reason;
}

/** True once `ctx`'s signal has aborted, without making a lazy signal. */
export function isCancelled(ctx: RequestContext): boolean {
  const source = cancellationOf(ctx);
  return source === undefined ? ctx.signal.aborted : source.aborted;
}
