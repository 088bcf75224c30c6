/** Single-flight: one run per key for concurrent callers, each of whom may cancel on their own. */
import type { RequestContext } from '@mcp-middleware/core';
import {
  Cancellation,
  cancelReasonOf,
  watchCancellation,
  type SignalSource,
} from '@mcp-middleware/core/helpers';

/** One run shared by the callers of a key. */
export interface Flight {
  readonly key: string;
  /** A background run (stale-while-revalidate): no caller's cancellation stops it. */
  readonly detached: boolean;
  /** Set when an invalidation hit the key during the run: its result must not be stored. */
  readonly invalidated: boolean;
  /** True once the run has settled (its owner may keep it joinable a little longer, e.g. while storing). */
  readonly settled: boolean;
  /** The context of the call that started the run, for the `settled` hook. */
  readonly ctx: RequestContext | undefined;
  /** Set by {@link SingleFlight.keepToOwner}: the run's answer goes to its starter alone. */
  readonly ownerOnly: boolean;
}

interface FlightState<T> extends Flight {
  invalidated: boolean;
  settled: boolean;
  ownerOnly: boolean;
  waiters: number;
  // The run's signal, made only when the run reads it (most handlers never do).
  readonly cancellation: Cancellation;
  // How the run ended, read by the waiters once `outcome` settles.
  failed: boolean;
  value: T | undefined;
  error: unknown;
  // Settles (never rejects) when the run does: waiters read value or error from the state.
  outcome: Promise<FlightState<T>>;
}

/** Told once when a run settles, before any waiter hears of it (e.g. to store its result). */
export type FlightSettled<T> = (
  flight: Flight,
  failed: boolean,
  value: T | undefined,
  error: unknown,
) => void;

const noSettle = (): void => undefined;

// A joined caller's own run: whatever it throws becomes this caller's rejection, never an unhandled one.
function runOwn<T>(
  own: (ctx: RequestContext) => Promise<T>,
  ctx: RequestContext,
  resolve: (value: Promise<T>) => void,
  reject: (error: unknown) => void,
): void {
  try {
    resolve(own(ctx));
  } catch (error) {
    reject(error);
  }
}

/**
 * The runs in progress, by key. Unlike lru-cache's `fetch()`, where the first caller's signal governs
 * everyone, the run gets its own signal that aborts only when every waiter has left.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, FlightState<T>>();
  readonly #settled: FlightSettled<T>;

  /** `settled` hears every run's end first (one hook for all runs, so a run makes no closure for it). */
  constructor(settled: FlightSettled<T> = noSettle) {
    this.#settled = settled;
  }

  /** The run in progress for `key`, if any. */
  get(key: string): Flight | undefined {
    return this.#flights.get(key);
  }

  /** Runs in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Starts `run` for `key`. It receives the run's signal source, for core's `withSignalSource` (no closure
   * per run): the signal is made on first read, and aborts once every waiter has left (never if detached).
   */
  start(
    key: string,
    run: (source: SignalSource) => Promise<T>,
    detached = false,
    ctx?: RequestContext,
  ): Flight {
    const state: FlightState<T> = {
      key,
      ctx,
      detached,
      invalidated: false,
      settled: false,
      ownerOnly: false,
      waiters: 0,
      cancellation: new Cancellation(),
      failed: false,
      value: undefined,
      error: undefined,
      outcome: undefined as unknown as Promise<FlightState<T>>,
    };
    this.#flights.set(key, state);
    let pending: Promise<T>;
    try {
      pending = run(state.cancellation);
    } catch (error) {
      pending = Promise.reject(error);
    }
    const settled = this.#settled;
    state.outcome = pending.then(
      (value) => {
        state.settled = true;
        state.value = value;
        settled(state, false, value, undefined);
        return state;
      },
      (error: unknown) => {
        state.settled = true;
        state.failed = true;
        state.error = error;
        settled(state, true, undefined, error);
        return state;
      },
    );
    return state;
  }

  /**
   * Waits for `flight` on behalf of the caller of `ctx`. When its signal aborts first, this caller alone
   * rejects with `cancelled(reason, ctx)`; the run goes on for the others, and aborts when the last one
   * leaves. When the run's answer is its starter's alone ({@link keepToOwner}), every other caller gets
   * what `own(ctx)` answers instead: its own run.
   */
  join(
    flight: Flight,
    ctx: RequestContext,
    cancelled: (reason: unknown, ctx: RequestContext) => unknown,
    own?: (ctx: RequestContext) => Promise<T>,
  ): Promise<T> {
    const state = flight as FlightState<T>;
    return new Promise<T>((resolve, reject) => {
      const stop = watchCancellation(ctx, () => {
        const reason = cancelReasonOf(ctx);
        this.#leave(state, reason);
        reject(cancelled(reason, ctx));
      });
      if (stop === undefined) {
        reject(cancelled(cancelReasonOf(ctx), ctx));
        return;
      }
      state.waiters++;
      void state.outcome.then((ended) => {
        stop();
        if (ended.failed) reject(ended.error);
        else if (ended.ownerOnly && ended.ctx !== ctx && own !== undefined) runOwn(own, ctx, resolve, reject);
        else resolve(ended.value as T);
      });
    });
  }

  /**
   * Keeps what `flight` answered to the caller who started it (an answer that asks that caller for
   * input): callers who joined run their own. Call it from the `settled` hook, before waiters hear.
   */
  keepToOwner(flight: Flight): void {
    (flight as FlightState<T>).ownerOnly = true;
  }

  /** Forgets `flight` so later callers start afresh; call once its result is stored (or dropped). */
  release(flight: Flight): void {
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
