/**
 * One abort listener per signal, shared by every layer that waits on it. Adding and removing a listener
 * on an AbortSignal is one of the dearer things a call does (dearer still on Node 20); a layer that
 * only needs to hear of a cancellation while it waits registers a plain callback here instead.
 */

type Callback = () => void;

// The callbacks waiting on one signal. The signal's own listener is added with the first one and stays
// (a signal aborts once; a request's signal is dropped with the request).
class Scope {
  readonly waiting = new Set<Callback>();
  readonly fire = (): void => {
    const callbacks = [...this.waiting];
    this.waiting.clear();
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        // As an abort listener's throw: reported, and the other callbacks still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
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
