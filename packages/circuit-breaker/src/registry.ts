/**
 * The breakers of one circuitBreaker(), by key: the closed state counted here, opossum only once a key's
 * window trips, and at most `maxBreakers` keys, the least recently used closed one evicted first.
 */
import { EventEmitter } from 'node:events';
import type { Clock, RequestContext, TimerHandle } from '@mcp-middleware/core';
import type { BreakerState } from './failure.js';
import type { Breaker } from './opossum.js';

/** Buckets of the rolling window (opossum's are rotated by the same timer). */
export const BUCKETS = 10;

/** One key's breaker. */
export interface BreakerEntry {
  readonly key: string;
  /** The tool it guards, when keyed by tool (for events and hooks). */
  readonly tool: string | undefined;
  readonly isTool: boolean;
  /** opossum's breaker, made the first time the window trips and kept for the key's later trips. */
  breaker: Breaker | undefined;
  /** From a trip until a probe closes it again: calls go through opossum meanwhile. */
  tripped: boolean;
  used: number;
  openedAt: number;
  // The calls behind the next state change, so its event reaches that call's pipeline.
  failed: RequestContext | undefined;
  probe: RequestContext | undefined;
  // The closed state's rolling window: calls and failures per bucket, and their sums.
  epoch: number;
  head: number;
  readonly calls: number[];
  readonly failures: number[];
  totalCalls: number;
  totalFailures: number;
}

/** What the registry needs from the middleware. */
export interface RegistrySettings {
  readonly maxBreakers: number;
  readonly volumeThreshold: number;
  readonly errorThresholdPercentage: number;
  readonly rollingWindowMs: number;
  readonly keyedByTool: boolean;
  readonly clock: Clock;
  /** Makes the opossum breaker of `entry` (events wired) when its window first trips. */
  readonly makeBreaker: (entry: BreakerEntry) => Breaker;
}

export class BreakerRegistry {
  readonly #entries = new Map<string, BreakerEntry>();
  readonly #settings: RegistrySettings;
  /** Emits `rotate` once per bucket, for opossum's breakers. */
  readonly rotor = new EventEmitter().setMaxListeners(0);
  // The rotation timer stops once a whole window passed without a call (every bucket is empty then) and
  // restarts with the next call, so an idle server holds no timer. Windows catch up lazily by `#epoch`.
  #rotation: TimerHandle = undefined;
  #rotating = false;
  #idleTicks = 0;
  #epoch = 0;
  #tick = 0;

  constructor(settings: RegistrySettings) {
    this.#settings = settings;
  }

  /** The entry of `key`, made if new and marked used; starts the rotation timer after an idle spell. */
  enter(key: string, isTool: boolean): BreakerEntry {
    const tick = ++this.#tick;
    let entry = this.#entries.get(key);
    if (entry === undefined) entry = this.#create(key, isTool);
    else if (entry.used < tick - (this.#settings.maxBreakers >> 1)) {
      // Second chance: an entry in the older half moves to the young end of the map's order, so eviction
      // can take the oldest from the front without scanning (entries used lately are not moved at all).
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    entry.used = tick;
    this.#idleTicks = 0;
    if (!this.#rotating) this.#startRotation();
    return entry;
  }

  /** Counts a call of a closed breaker that succeeded (or failed in a way that does not count). */
  succeeded(entry: BreakerEntry): void {
    this.#count(entry, 0);
  }

  /** Counts a failed call of a closed breaker; trips it (opossum takes over, open) past the threshold. */
  failed(entry: BreakerEntry, ctx: RequestContext): void {
    this.#count(entry, 1);
    const { volumeThreshold, errorThresholdPercentage } = this.#settings;
    if (entry.tripped || entry.totalCalls < volumeThreshold) return;
    if ((entry.totalFailures / entry.totalCalls) * 100 <= errorThresholdPercentage) return;
    entry.tripped = true;
    entry.failed = ctx;
    (entry.breaker ??= this.#settings.makeBreaker(entry)).open();
  }

  /** A probe closed the breaker: the closed state starts counting afresh. */
  closed(entry: BreakerEntry): void {
    entry.tripped = false;
    entry.calls.fill(0);
    entry.failures.fill(0);
    entry.totalCalls = entry.totalFailures = 0;
  }

  /** A snapshot of every entry's state, by key. */
  states(): Map<string, BreakerState> {
    const states = new Map<string, BreakerState>();
    for (const [key, entry] of this.#entries) states.set(key, stateOf(entry));
    return states;
  }

  /** Stops the rotation timer and every opossum breaker, and forgets every key. */
  shutdown(): void {
    if (this.#rotating) this.#settings.clock.clearTimeout(this.#rotation);
    this.#rotating = false;
    for (const { breaker } of this.#entries.values()) breaker?.shutdown();
    this.#entries.clear();
  }

  #create(key: string, isTool: boolean): BreakerEntry {
    if (this.#entries.size >= this.#settings.maxBreakers) this.#evictOne();
    const entry: BreakerEntry = {
      key,
      tool: this.#settings.keyedByTool && isTool ? key : undefined,
      isTool,
      breaker: undefined,
      tripped: false,
      used: 0,
      openedAt: 0,
      failed: undefined,
      probe: undefined,
      epoch: this.#epoch,
      head: 0,
      calls: new Array<number>(BUCKETS).fill(0),
      failures: new Array<number>(BUCKETS).fill(0),
      totalCalls: 0,
      totalFailures: 0,
    };
    this.#entries.set(key, entry);
    return entry;
  }

  // The map's order is about least recently used first (see enter): the first closed entry goes, or
  // the first of all when every one is tripped. Only tripped entries are passed over.
  #evictOne(): void {
    let victim: BreakerEntry | undefined;
    for (const entry of this.#entries.values()) {
      victim ??= entry;
      if (!entry.tripped) {
        victim = entry;
        break;
      }
    }
    if (victim === undefined) return;
    this.#entries.delete(victim.key);
    victim.breaker?.shutdown();
  }

  #count(entry: BreakerEntry, failures: 0 | 1): void {
    this.#catchUp(entry);
    const head = entry.head;
    entry.calls[head] = (entry.calls[head] as number) + 1;
    entry.failures[head] = (entry.failures[head] as number) + failures;
    entry.totalCalls++;
    entry.totalFailures += failures;
  }

  // Empties the buckets that rotated out since the entry was last counted.
  #catchUp(entry: BreakerEntry): void {
    const lag = this.#epoch - entry.epoch;
    if (lag === 0) return;
    entry.epoch = this.#epoch;
    for (let i = Math.min(lag, BUCKETS); i > 0; i--) {
      const head = (entry.head = (entry.head + 1) % BUCKETS);
      entry.totalCalls -= entry.calls[head] as number;
      entry.totalFailures -= entry.failures[head] as number;
      entry.calls[head] = entry.failures[head] = 0;
    }
  }

  #startRotation(): void {
    this.#rotating = true;
    const { clock, rollingWindowMs } = this.#settings;
    const rotate = (): void => {
      this.#epoch++;
      this.rotor.emit('rotate');
      if (++this.#idleTicks >= BUCKETS) this.#rotating = false;
      else this.#rotation = clock.setTimeout(rotate, rollingWindowMs / BUCKETS);
    };
    this.#rotation = clock.setTimeout(rotate, rollingWindowMs / BUCKETS);
  }
}

function stateOf(entry: BreakerEntry): BreakerState {
  const breaker = entry.breaker;
  if (!entry.tripped || breaker === undefined) return 'closed';
  return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
}
