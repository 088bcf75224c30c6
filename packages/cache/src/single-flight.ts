/** Single-flight: one run per key for concurrent callers, each of whom may cancel on their own. */
import { Cancellation, cancelReasonOf, watchCancellation, type RequestContext } from '@mcp-middleware/core';

/** One run shared by the callers of a key. */
export interface Flight<T> {
  readonly key: string;
  /** Settles with the run; its owner must handle rejection (waiters may all have left). */
  readonly promise: Promise<T>;
  /** A background run (stale-while-revalidate): no caller's cancellation stops it. */
  readonly detached: boolean;
  /** Set when an invalidation hit the key during the run: its result must not be stored. */
  readonly invalidated: boolean;
  /** True once the run has settled (its owner may keep it joinable a little longer, e.g. while storing). */
  readonly settled: boolean;
}

interface FlightState<T> extends Flight<T> {
  promise: Promise<T>;
  invalidated: boolean;
  settled: boolean;
  waiters: number;
  // The run's signal, made only when the run reads it (most handlers never do).
  readonly cancellation: Cancellation;
}

/**
 * The runs in progress, by key. Unlike lru-cache's `fetch()`, where the first caller's signal governs
 * everyone, the run gets its own signal that aborts only when every waiter has left.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, FlightState<T>>();

  /** The run in progress for `key`, if any. */
  get(key: string): Flight<T> | undefined {
    return this.#flights.get(key);
  }

  /** Runs in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Starts `run` for `key`. It receives the run's signal as a function, for `ctx.with({ signal })`: the
   * signal is made on first read, and aborts once every waiter has left (never if detached).
   */
  start(key: string, run: (signal: () => AbortSignal) => Promise<T>, detached = false): Flight<T> {
    const state: FlightState<T> = {
      key,
      detached,
      invalidated: false,
      settled: false,
      waiters: 0,
      cancellation: new Cancellation(),
      promise: undefined as unknown as Promise<T>,
    };
    this.#flights.set(key, state);
    let pending: Promise<T>;
    try {
      pending = run(state.cancellation.signal);
    } catch (error) {
      pending = Promise.reject(error);
    }
    state.promise = pending.then(
      (value) => {
        state.settled = true;
        return value;
      },
      (error: unknown) => {
        state.settled = true;
        throw error;
      },
    );
    return state;
  }

  /**
   * Waits for `flight` on behalf of the caller of `ctx`. When its signal aborts first, this caller alone
   * rejects with `cancelled(reason)`; the run goes on for the others, and aborts when the last one leaves.
   */
  join(flight: Flight<T>, ctx: RequestContext, cancelled: (reason: unknown) => unknown): Promise<T> {
    const state = flight as FlightState<T>;
    return new Promise<T>((resolve, reject) => {
      const stop = watchCancellation(ctx, () => {
        const reason = cancelReasonOf(ctx);
        this.#leave(state, reason);
        reject(cancelled(reason));
      });
      if (stop === undefined) {
        reject(cancelled(cancelReasonOf(ctx)));
        return;
      }
      state.waiters++;
      state.promise.then(
        (value) => {
          stop();
          resolve(value);
        },
        (error: unknown) => {
          stop();
          reject(error);
        },
      );
    });
  }

  /** Forgets `flight` so later callers start afresh; call once its result is stored (or dropped). */
  release(flight: Flight<T>): void {
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
  }

  /** Detaches every run whose key `matches`: later callers start afresh and their results are not stored. */
  invalidate(matches: (key: string) => boolean): void {
    for (const [key, state] of this.#flights) {
      if (matches(key)) {
        state.invalidated = true;
        this.#flights.delete(key);
      }
    }
  }

  #leave(state: FlightState<T>, reason: unknown): void {
    state.waiters--;
    if (state.waiters === 0 && !state.settled && !state.detached) {
      this.release(state);
      state.cancellation.abort(reason);
    }
  }
}
