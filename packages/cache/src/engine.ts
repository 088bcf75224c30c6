/**
 * The state of one cache() and what a cached call does with it: find the entry, serve it, or run the call
 * once for everyone who asks meanwhile and store what it answers. Built once per middleware.
 */
import {
  isInputRequired,
  type CallToolResult,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import {
  cancelReasonOf,
  cancelledError,
  isCancelled,
  principalIdOf,
  withSignalSource,
} from '@mcp-middleware/core/helpers';
import { ANONYMOUS_PARTITION, SEPARATOR, SHARED_PARTITION, principalPart } from './keys.js';
import { isPromise, marked } from './marked.js';
import { SingleFlight, type Flight } from './single-flight.js';
import { healthOf, type StoreHealth } from './store-health.js';
import type { CacheEntry, CacheStore } from './store.js';

/** How one tool (or one resource) is cached: its key prefix and whether callers share entries. */
export interface CachePlan {
  /** The tool (or resource) part and a separator. */
  readonly prefix: string;
  readonly shared: boolean;
}

/**
 * The rest of the pipeline, for a tool call or a resource read. Cached values are typed as tool results;
 * a read's result passes through untouched (only `_meta` is added on a hit, as for tools).
 */
export type Continue = (ctx?: RequestContext) => Promise<CallToolResult>;

/** The settings the engine runs with, resolved once by `cache()`. */
export interface EngineSettings {
  readonly ttlMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly maxEntryBytes: number;
  readonly store: CacheStore;
}

const STORE_ERROR = 'store-error';

/** What a message names: "tool `search`" or "resource `notes://1`". */
export function subjectOf(ctx: RequestContext): string {
  return ctx.operation === 'tools/call'
    ? `tool \`${(ctx as ToolContext).tool.name}\``
    : `resource \`${(ctx.target ?? '').slice(0, 128)}\``;
}

/** Publishes a cache warning on the call's channel. */
export function warn(ctx: RequestContext, message: string, cause?: unknown): void {
  ctx.emit({ type: 'warning', source: 'cache', message, ...(cause !== undefined && { cause }) });
}

// One function for every waiter (SingleFlight passes the waiter's ctx): no closure per call.
function cancelled(reason: unknown, ctx: RequestContext): unknown {
  return cancelledError(ctx, reason, 'while waiting for its cached answer');
}

/** Lookups, single-flight runs, stores and background refreshes of one cache(). */
export class CacheEngine {
  readonly flights: SingleFlight<CallToolResult>;
  readonly #ttlMs: number;
  readonly #servableMs: number;
  readonly #maxEntryBytes: number;
  readonly #store: CacheStore;
  readonly #health: StoreHealth;
  // Results whose asynchronous write is still landing: callers who find their flight get them as hits.
  readonly #landing = new WeakMap<Flight, CacheEntry>();
  // Keys whose background refresh is scheduled but not yet started.
  readonly #refreshing = new Set<string>();

  constructor(settings: EngineSettings) {
    this.#ttlMs = settings.ttlMs;
    this.#servableMs = settings.ttlMs + settings.staleWhileRevalidateMs;
    this.#maxEntryBytes = settings.maxEntryBytes;
    this.#store = settings.store;
    this.#health = healthOf(settings.store);
    // What a run ends with goes to one hook (keep, or a warning): no closures per run.
    this.flights = new SingleFlight<CallToolResult>((flight, failed, result, error) => {
      const ctx = flight.ctx as RequestContext;
      if (!failed) return this.#keep(ctx, flight, result as CallToolResult);
      if (flight.detached) warn(ctx, `cache: the background refresh of ${subjectOf(ctx)} failed`, error);
      this.flights.release(flight);
    });
  }

  /** Serves `ctx` from the cache under `plan` and `args`, or runs it once for everyone who asks meanwhile. */
  lookup(ctx: RequestContext, next: Continue, plan: CachePlan, args: string): Promise<CallToolResult> {
    let partition: string;
    if (plan.shared) partition = SHARED_PARTITION;
    else {
      const principal = principalIdOf(ctx);
      partition = principal === undefined ? ANONYMOUS_PARTITION : principalPart(principal);
    }
    // One flat string: a rope (what `+` builds) hashes and compares slower in a large Map.
    const key = [plan.prefix, partition, SEPARATOR, args].join('');

    // Join a run in progress first: no store round trip for callers that will share it anyway.
    const flights = this.flights;
    const running = flights.size === 0 ? undefined : flights.get(key);
    if (running !== undefined && !running.detached) {
      const shared = this.#share(ctx, next, running, false);
      if (shared !== undefined) return shared;
    }
    let found: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    let pending: boolean;
    try {
      found = this.#store.get(key);
      pending = isPromise(found);
    } catch (error) {
      return this.#bypassStore(ctx, next, key, error);
    }
    if (pending) {
      // Promise.resolve: a custom store's thenable may throw from then(); that becomes a rejection.
      return Promise.resolve(found).then(
        (entry) => this.#answerFromStore(ctx, next, key, entry),
        (error: unknown) => this.#bypassStore(ctx, next, key, error),
      );
    }
    return this.#answerFromStore(ctx, next, key, found as CacheEntry | undefined);
  }

  // What a store answered is the store's: an entry that cannot be read (a hostile custom store) is a
  // store failure, bypassed like any other.
  #answerFromStore(
    ctx: RequestContext,
    next: Continue,
    key: string,
    entry: CacheEntry | undefined,
  ): Promise<CallToolResult> {
    if (this.#health.failing) this.#health.answered(ctx);
    try {
      return this.#answer(ctx, next, key, entry);
    } catch (error) {
      return this.#bypassStore(ctx, next, key, error);
    }
  }

  #answer(
    ctx: RequestContext,
    next: Continue,
    key: string,
    entry: CacheEntry | undefined,
  ): Promise<CallToolResult> {
    if (entry !== undefined) {
      const ageMs = Math.max(0, ctx.clock.now() - entry.storedAt);
      if (ageMs < this.#ttlMs) return this.#hit(ctx, entry, ageMs);
      if (ageMs < this.#servableMs) {
        ctx.emit({ type: 'cache', result: 'stale', ageMs });
        if (this.flights.get(key) === undefined && !this.#refreshing.has(key)) this.#refresh(ctx, next, key);
        return Promise.resolve(marked(entry.value, ageMs, true));
      }
      this.#dropExpired(ctx, key);
    }
    return this.#miss(ctx, next, key);
  }

  #dropExpired(ctx: RequestContext, key: string): void {
    try {
      const deleted = this.#store.delete?.(key);
      if (isPromise(deleted))
        deleted.catch((error: unknown) => this.#health.failed(ctx, 'delete an expired entry', error));
    } catch (error) {
      this.#health.failed(ctx, 'delete an expired entry', error);
    }
  }

  #hit(ctx: RequestContext, entry: CacheEntry, ageMs: number): Promise<CallToolResult> {
    ctx.emit({ type: 'cache', result: 'hit', ageMs });
    return Promise.resolve(marked(entry.value, ageMs, false));
  }

  // A caller who finds a run waits for it, or gets its result as a hit while the write lands;
  // undefined when that result has meanwhile expired. Should the run ask its starter for input, this
  // caller runs `next` on its own instead (see #keep).
  #share(
    ctx: RequestContext,
    next: Continue,
    running: Flight,
    counted: boolean,
  ): Promise<CallToolResult> | undefined {
    const written = running.settled ? this.#landing.get(running) : undefined;
    if (written !== undefined) {
      const ageMs = Math.max(0, ctx.clock.now() - written.storedAt);
      return ageMs < this.#ttlMs ? this.#hit(ctx, written, ageMs) : undefined;
    }
    if (!counted) ctx.emit({ type: 'cache', result: 'miss', reason: 'inflight' });
    return this.flights.join(running, ctx, cancelled, next);
  }

  // `counted`: a bypass event already told observers about this call.
  #miss(ctx: RequestContext, next: Continue, key: string, counted = false): Promise<CallToolResult> {
    const running = this.flights.get(key);
    const shared = running === undefined ? undefined : this.#share(ctx, next, running, counted);
    if (shared !== undefined) return shared;
    if (!counted) ctx.emit({ type: 'cache', result: 'miss' });
    if (isCancelled(ctx)) return Promise.reject(cancelled(cancelReasonOf(ctx), ctx));
    return this.flights.join(this.#launch(ctx, next, key, false), ctx, cancelled);
  }

  #bypassStore(ctx: RequestContext, next: Continue, key: string, error: unknown): Promise<CallToolResult> {
    ctx.emit({ type: 'cache', result: 'bypass', reason: STORE_ERROR });
    this.#health.failed(ctx, 'read', error);
    return this.#miss(ctx, next, key, true);
  }

  #launch(ctx: RequestContext, next: Continue, key: string, detached: boolean): Flight {
    return this.flights.start(key, (source) => next(withSignalSource(ctx, source)), detached, ctx);
  }

  // The refresh starts on the next tick (of the pipeline's clock), after this call has answered: it
  // outlives the call on purpose, and a debug pipeline must not see a next() still running at return.
  #refresh(ctx: RequestContext, next: Continue, key: string): void {
    this.#refreshing.add(key);
    ctx.clock.setTimeout(() => {
      this.#refreshing.delete(key);
      if (this.flights.get(key) === undefined) this.#launch(ctx, next, key, true);
    }, 0);
  }

  // Stores the flight's result when it may be, then lets later callers start afresh.
  #keep(ctx: RequestContext, flight: Flight, result: CallToolResult): void {
    // An input_required answer (2026-07-28) belongs to one round of one call: never stored, and never
    // handed to the callers who joined the run (each runs its own round). Only this branch pays for that.
    if (isInputRequired(result)) {
      this.flights.keepToOwner(flight);
      return this.flights.release(flight);
    }
    // A task handle (the Tasks extension) belongs to one caller's task: never stored.
    if (result.isError === true || flight.invalidated || isTaskHandle(result))
      return this.flights.release(flight);
    let json: string;
    try {
      json = JSON.stringify(result);
    } catch (error) {
      warn(ctx, `cache: the result of ${subjectOf(ctx)} is not JSON; not cached`, error);
      return this.flights.release(flight);
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > this.#maxEntryBytes) {
      warn(ctx, `cache: the result of ${subjectOf(ctx)} is ${bytes} bytes, over maxEntryBytes; not cached`);
      return this.flights.release(flight);
    }
    try {
      const storedAt = ctx.clock.now();
      const written = this.#store.set(flight.key, { value: result, json, bytes, storedAt }, this.#servableMs);
      if (isPromise(written)) return this.#landWrite(ctx, flight, written, { value: result, storedAt });
    } catch (error) {
      this.#health.failed(ctx, 'store a result', error);
    }
    this.flights.release(flight);
  }

  // The flight stays joinable until an asynchronous write lands, so no caller misses in between.
  #landWrite(ctx: RequestContext, flight: Flight, written: Promise<void>, entry: CacheEntry): void {
    this.#landing.set(flight, entry);
    written.then(
      () => {
        if (this.#health.failing) this.#health.answered(ctx);
        this.flights.release(flight);
      },
      (error: unknown) => {
        this.#health.failed(ctx, 'store a result', error);
        this.flights.release(flight);
      },
    );
  }
}

/** A `resultType: "task"` answer (the 2026-07-28 Tasks extension): a handle on one caller's task. */
function isTaskHandle(result: CallToolResult): boolean {
  return (result as { resultType?: unknown }).resultType === 'task';
}
