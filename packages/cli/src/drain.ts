/** Counts calls in flight and waits for them to finish, up to a deadline that can only move closer. */
import type { Clock, TimerHandle } from '@mcp-middleware/core';

/** The calls a gateway is running, and the wait for them on shutdown. */
export class CallTracker {
  readonly #clock: Clock;
  #inFlight = 0;
  #deadline = Infinity;
  #timer: TimerHandle;
  #finish: ((drained: boolean) => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  enter(): void {
    this.#inFlight++;
  }

  leave(): void {
    if (--this.#inFlight === 0) this.#finish?.(true);
  }

  /** Resolves true once no call is in flight, or false when `ms` passes first. */
  drained(ms: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#finish = (drained) => {
        this.#clock.clearTimeout(this.#timer);
        this.#finish = undefined;
        resolve(drained);
      };
      this.shorten(ms);
    });
  }

  /** Brings the deadline of a wait in progress forward to `ms` from now; a later deadline is ignored. */
  shorten(ms: number): void {
    const deadline = this.#clock.now() + ms;
    if (this.#finish === undefined || deadline >= this.#deadline) return;
    this.#deadline = deadline;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#finish?.(false), ms);
  }
}
