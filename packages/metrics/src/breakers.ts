/** The circuit breakers metrics has heard of: each one's series and state, bounded, counted per series. */
import type { MiddlewareEvent } from '@mcp-middleware/core';
import type { Series } from './series.js';

/** A breaker's state, as its event names it. */
export type BreakerState = Extract<MiddlewareEvent, { type: 'breaker' }>['state'];

/** How many breakers of one series are open and half-open. */
export interface BreakerCounts {
  open: number;
  'half-open': number;
}

// Breakers keyed by something unbounded (a principal) must not grow memory without end.
const MAX_TRACKED_BREAKERS = 10_000;

/** Every non-closed breaker by key, and every series a breaker ever reported under. */
export class BreakerBoard {
  // Breaker key → the series it belongs to (undefined outside any request) and its state.
  readonly #breakers = new Map<string, { readonly series: Series | undefined; state: BreakerState }>();
  // A series keeps its gauge rows once its breakers close: they read zero rather than vanish.
  readonly #series = new Set<Series | undefined>();

  /** Records that breaker `key` of `series` is now in `state`; a closed breaker is forgotten. */
  update(key: string, series: Series | undefined, state: BreakerState): void {
    this.#series.add(series);
    if (state === 'closed') {
      this.#breakers.delete(key);
      return;
    }
    const known = this.#breakers.get(key);
    if (known !== undefined) known.state = state;
    else if (this.#breakers.size < MAX_TRACKED_BREAKERS) this.#breakers.set(key, { series, state });
  }

  /** Open and half-open breakers per series, every series ever seen included (at zero). */
  counts(): Map<Series | undefined, BreakerCounts> {
    const counts = new Map<Series | undefined, BreakerCounts>();
    for (const series of this.#series) counts.set(series, { open: 0, 'half-open': 0 });
    for (const { series, state } of this.#breakers.values()) {
      if (state !== 'closed') (counts.get(series) as BreakerCounts)[state]++;
    }
    return counts;
  }
}
