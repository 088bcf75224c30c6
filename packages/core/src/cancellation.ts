/**
 * One abort listener per signal, shared by every layer that waits on it. Adding and removing a listener
 * on an AbortSignal is one of the dearer things a call does (dearer still on Node 20); a layer that
 * only needs to hear of a cancellation while it waits registers a plain callback here instead.
 */

import type { RequestContext } from './contract.js';
import { signalSourceOf, type SignalSource } from './context.js';

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

// One waiter: a node of a doubly linked list, so leaving is two pointer writes (a Set's delete costs
// several times that, and leaves holes it later rehashes).
interface Waiter {
  readonly callback: Callback;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  live: boolean;
}

// The callbacks waiting on one signal (or one Cancellation), in the order they were added.
class WaitList {
  head: Waiter | undefined;
  tail: Waiter | undefined;

  add(callback: Callback): () => void {
    const waiter: Waiter = { callback, prev: this.tail, next: undefined, live: true };
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    return () => this.remove(waiter);
  }

  remove(waiter: Waiter): void {
    // Already removed, or the list was drained: nothing to do.
    if (!waiter.live) return;
    waiter.live = false;
    const { prev, next } = waiter;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    waiter.prev = waiter.next = undefined;
  }

  /** Empties the list and runs every callback it held. */
  drain(): void {
    const callbacks: Callback[] = [];
    for (let waiter = this.head; waiter !== undefined; waiter = waiter.next) {
      waiter.live = false;
      callbacks.push(waiter.callback);
    }
    this.head = this.tail = undefined;
    runAll(callbacks);
  }
}

// The list is kept on the signal itself, under a symbol: a WeakMap entry per request signal is an
// ephemeron, which costs the collector more than the listener it saves.
const SCOPE = Symbol('mcp-middleware.cancellation-scope');
type ScopedSignal = AbortSignal & { [SCOPE]?: WaitList };

/**
 * Calls `callback` once, when `signal` aborts, unless the returned function is called first. The signal
 * must not have aborted yet (check `signal.aborted` before), and one function is registered once per
 * signal (each waiter passes its own closure). Callbacks run in the order they were added, all from the
 * signal's one listener.
 */
export function whenCancelled(signal: AbortSignal, callback: () => void): () => void {
  let scope = (signal as ScopedSignal)[SCOPE];
  if (scope === undefined) {
    const list = new WaitList();
    scope = list;
    (signal as ScopedSignal)[SCOPE] = list;
    signal.addEventListener('abort', () => list.drain(), { once: true });
  }
  return scope.add(callback);
}

/**
 * A signal for the layers below, made only when one of them reads it. Pass it to
 * `withSignalSource(ctx, cancellation)` (or its `signal` to `ctx.with({ signal })`); a layer below that
 * only needs to know of an abort asks through {@link watchCancellation} and {@link cancelReasonOf}, which
 * never make the AbortController.
 */
export class Cancellation implements SignalSource {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #waiting: WaitList | undefined;
  #lazy: Marked | undefined;

  /**
   * For `ctx.with({ signal })`: a function that makes the signal on first call. Made on first read, so a
   * Cancellation passed to `withSignalSource` never makes it.
   */
  get signal(): () => AbortSignal {
    if (this.#lazy === undefined) {
      // A mark on the function, not a WeakMap entry: an entry per call costs the collector far more.
      const lazy: Marked = () => this.makeSignal();
      lazy[SOURCE] = this;
      this.#lazy = lazy;
    }
    return this.#lazy;
  }

  /** Makes the signal on first call (aborted already if `abort` came first); the same one after. */
  makeSignal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
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
    waiting?.drain();
  }

  /** Calls `callback` on abort unless the returned function is called first (not aborted yet: check). */
  onAbort(callback: () => void): () => void {
    return (this.#waiting ??= new WaitList()).add(callback);
  }
}

function cancellationOf(ctx: RequestContext): Cancellation | undefined {
  const lazy = signalSourceOf(ctx);
  if (lazy === undefined || lazy instanceof Cancellation) return lazy;
  return typeof lazy === 'function' ? (lazy as Marked)[SOURCE] : undefined;
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
