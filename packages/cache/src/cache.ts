/** cache(): results of read-only tools (and, opted in, resource reads), partitioned by principal, single-flight. */
import {
  MiddlewareError,
  isInputRequired,
  isMiddlewareError,
  type CallToolResult,
  type Middleware,
  type Next,
  type RequestContext,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { cancelReasonOf, isCancelled, principalIdOf } from '@mcp-middleware/core/helpers';
import { CanonicalError, canonicalJson } from './canonical.js';
import {
  ANONYMOUS_PARTITION,
  SEPARATOR,
  SHARED_PARTITION,
  argsPart,
  keyFilter,
  principalPart,
  resourcePart,
  toolPart,
} from './keys.js';
import { isPromise, marked } from './marked.js';
import { resolveOptions, type CacheOptions } from './options.js';
import { SingleFlight, type Flight } from './single-flight.js';
import { writeHook } from './invalidation.js';
import { healthOf } from './store-health.js';
import type { CacheEntry } from './store.js';

/** Which entries {@link CacheMiddleware.invalidate} removes; an empty filter removes all. */
export interface InvalidateFilter {
  /** A tool name. */
  readonly tool?: string | undefined;
  /** A principal id, as `principalIdOf(ctx)` gives it (`<source>:<id>`, e.g. `jwt:alice` or `client:<clientId>`). */
  readonly principal?: string | undefined;
  /** A resource URI (with `operations` including `resources/read`); takes the place of `tool`. */
  readonly resource?: string | undefined;
}

/** The cache middleware, plus invalidation. */
export interface CacheMiddleware extends Middleware {
  /** Removes entries, and keeps calls in flight from storing results; answers how many entries went. */
  invalidate(filter?: InvalidateFilter): Promise<number>;
}

interface ToolPlan {
  /** The tool part and a separator. */
  readonly prefix: string;
  readonly shared: boolean;
}

const STORE_ERROR = 'store-error';
// A read names its resource and nothing else: every read of one URI (in one partition) is the same.
const NO_ARGS = '-';

/**
 * The rest of the pipeline, for a tool call or a resource read. Cached values are typed as tool results;
 * a read's result passes through untouched (only `_meta` is added on a hit, as for tools).
 */
type Continue = (ctx?: RequestContext) => Promise<CallToolResult>;

/** What a message names: "tool `search`" or "resource `notes://1`". */
function subjectOf(ctx: RequestContext): string {
  return ctx.operation === 'tools/call'
    ? `tool \`${(ctx as ToolContext).tool.name}\``
    : `resource \`${(ctx.target ?? '').slice(0, 128)}\``;
}

/**
 * Caches successful results of tools with `readOnlyHint: true` (or those `cacheable` picks) for `ttlMs`,
 * keyed by tool, canonical parsed args and principal. Concurrent misses of one key run the handler once.
 * A result served from the cache carries `_meta["io.github.mcp-middleware/cache"] = { hit: true, ageMs }`.
 */
export function cache(options: CacheOptions = {}): CacheMiddleware {
  const {
    ttlMs,
    staleWhileRevalidateMs,
    maxEntryBytes,
    maxArgsChars,
    scope,
    cacheable,
    store,
    reads,
    readsShared,
  } = resolveOptions(options);
  const servableMs = ttlMs + staleWhileRevalidateMs;
  const flights = new SingleFlight<CallToolResult>((flight, failed, result, error) => {
    const ctx = flight.ctx as RequestContext;
    if (!failed) return keep(ctx, flight, result as CallToolResult);
    if (flight.detached) warn(ctx, `cache: the background refresh of ${subjectOf(ctx)} failed`, error);
    flights.release(flight);
  });
  // Results whose asynchronous write is still landing: callers who find their flight get them as hits.
  const landing = new WeakMap<Flight, CacheEntry>();
  // Keys whose background refresh is scheduled but not yet started.
  const refreshing = new Set<string>();
  const plans = new WeakMap<ToolInfo, ToolPlan | null>();
  const health = healthOf(store);

  function warn(ctx: RequestContext, message: string, cause?: unknown): void {
    ctx.emit({ type: 'warning', source: 'cache', message, ...(cause !== undefined && { cause }) });
  }
  // Calls that are not cached reads: a write invalidates what it can change (see invalidation.ts).
  const afterWrite = writeHook(options, store, (matches) => flights.invalidate(matches), warn);

  function planFor(ctx: ToolContext): ToolPlan | null {
    const tool = ctx.tool;
    let plan: ToolPlan | null = null;
    try {
      if (cacheable(tool)) {
        const chosen = scope(tool);
        if (chosen !== 'shared' && chosen !== 'principal') {
          warn(
            ctx,
            `cache: scope for tool \`${tool.name}\` is neither "principal" nor "shared"; using "principal"`,
          );
        }
        plan = { prefix: toolPart(tool.name) + SEPARATOR, shared: chosen === 'shared' };
      }
    } catch (error) {
      warn(
        ctx,
        `cache: the cacheable or scope option threw for tool \`${tool.name}\`; not caching it`,
        error,
      );
    }
    plans.set(tool, plan);
    return plan;
  }

  // One function for every waiter (SingleFlight passes the waiter's ctx): no closure per call.
  function cancelled(reason: unknown, ctx: RequestContext): unknown {
    return isMiddlewareError(reason)
      ? reason
      : new MiddlewareError(
          'CANCELLED',
          `the ${ctx.operation === 'tools/call' ? 'call to' : 'read of'} ${subjectOf(ctx)} was cancelled`,
          { cause: reason },
        );
  }

  // An outage is one throttled warning per store, not one per call (see StoreHealth).
  function storeFailed(ctx: RequestContext, what: string, error: unknown): void {
    health.failed(ctx, what, error);
  }

  // Stores the flight's result when it may be, then lets later callers start afresh.
  function keep(ctx: RequestContext, flight: Flight, result: CallToolResult): void {
    // An input_required answer (2026-07-28) belongs to one round of one call: never stored.
    if (result.isError === true || flight.invalidated || isInputRequired(result))
      return flights.release(flight);
    let json: string;
    try {
      json = JSON.stringify(result);
    } catch (error) {
      warn(ctx, `cache: the result of ${subjectOf(ctx)} is not JSON; not cached`, error);
      return flights.release(flight);
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > maxEntryBytes) {
      warn(ctx, `cache: the result of ${subjectOf(ctx)} is ${bytes} bytes, over maxEntryBytes; not cached`);
      return flights.release(flight);
    }
    try {
      const storedAt = ctx.clock.now();
      const written = store.set(flight.key, { value: result, json, bytes, storedAt }, servableMs);
      if (isPromise(written)) {
        landing.set(flight, { value: result, storedAt });
        // The flight stays joinable until the write lands, so no caller misses in between.
        written.then(
          () => {
            if (health.failing) health.answered(ctx);
            flights.release(flight);
          },
          (error: unknown) => {
            storeFailed(ctx, 'store a result', error);
            flights.release(flight);
          },
        );
        return;
      }
    } catch (error) {
      storeFailed(ctx, 'store a result', error);
    }
    flights.release(flight);
  }

  // The refresh starts on the next tick (of the pipeline's clock), after this call has answered: it
  // outlives the call on purpose, and a debug pipeline must not see a next() still running at return.
  function refresh(ctx: RequestContext, next: Continue, key: string): void {
    refreshing.add(key);
    ctx.clock.setTimeout(() => {
      refreshing.delete(key);
      if (flights.get(key) === undefined) launch(ctx, next, key, true);
    }, 0);
  }

  function launch(ctx: RequestContext, next: Continue, key: string, detached: boolean): Flight {
    // What the run ends with goes to the hook SingleFlight was made with (keep, or a warning).
    return flights.start(key, (signal) => next(ctx.with({ signal })), detached, ctx);
  }

  function hit(ctx: RequestContext, entry: CacheEntry, ageMs: number): Promise<CallToolResult> {
    ctx.emit({ type: 'cache', result: 'hit', ageMs });
    return Promise.resolve(marked(entry.value, ageMs, false));
  }

  // A caller who finds a run waits for it, or gets its result as a hit while the write lands;
  // undefined when that result has meanwhile expired.
  function share(
    ctx: RequestContext,
    running: Flight,
    counted: boolean,
  ): Promise<CallToolResult> | undefined {
    const written = running.settled ? landing.get(running) : undefined;
    if (written !== undefined) {
      const ageMs = Math.max(0, ctx.clock.now() - written.storedAt);
      return ageMs < ttlMs ? hit(ctx, written, ageMs) : undefined;
    }
    if (!counted) ctx.emit({ type: 'cache', result: 'miss', reason: 'inflight' });
    return flights.join(running, ctx, cancelled);
  }

  // `counted`: a bypass event already told observers about this call.
  function miss(ctx: RequestContext, next: Continue, key: string, counted = false): Promise<CallToolResult> {
    const running = flights.get(key);
    const shared = running === undefined ? undefined : share(ctx, running, counted);
    if (shared !== undefined) return shared;
    if (!counted) ctx.emit({ type: 'cache', result: 'miss' });
    if (isCancelled(ctx)) return Promise.reject(cancelled(cancelReasonOf(ctx), ctx));
    return flights.join(launch(ctx, next, key, false), ctx, cancelled);
  }

  function answer(
    ctx: RequestContext,
    next: Continue,
    key: string,
    entry: CacheEntry | undefined,
  ): Promise<CallToolResult> {
    if (entry !== undefined) {
      const ageMs = Math.max(0, ctx.clock.now() - entry.storedAt);
      if (ageMs < ttlMs) return hit(ctx, entry, ageMs);
      if (ageMs < servableMs) {
        ctx.emit({ type: 'cache', result: 'stale', ageMs });
        if (flights.get(key) === undefined && !refreshing.has(key)) refresh(ctx, next, key);
        return Promise.resolve(marked(entry.value, ageMs, true));
      }
      try {
        const deleted = store.delete?.(key);
        if (isPromise(deleted))
          deleted.catch((error: unknown) => storeFailed(ctx, 'delete an expired entry', error));
      } catch (error) {
        storeFailed(ctx, 'delete an expired entry', error);
      }
    }
    return miss(ctx, next, key);
  }

  function bypassStore(
    ctx: RequestContext,
    next: Continue,
    key: string,
    error: unknown,
  ): Promise<CallToolResult> {
    ctx.emit({ type: 'cache', result: 'bypass', reason: STORE_ERROR });
    storeFailed(ctx, 'read', error);
    return miss(ctx, next, key, true);
  }

  const middleware: Middleware = function cache(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    let plan = plans.get(ctx.tool);
    if (plan === undefined) plan = planFor(ctx);
    if (plan === null) return afterWrite === undefined ? next(ctx) : afterWrite(ctx, next);

    let args: string;
    try {
      args = canonicalJson(ctx.args, maxArgsChars);
    } catch (error) {
      const reason = error instanceof CanonicalError ? error.reason : 'args-unserialisable';
      ctx.emit({ type: 'cache', result: 'bypass', reason });
      const what =
        reason === 'args-too-large'
          ? `are longer than maxArgsChars (${maxArgsChars}) as canonical JSON`
          : `hold ${error instanceof CanonicalError ? error.message : 'a value'} that has no canonical JSON`;
      warn(ctx, `cache: the args of ${subjectOf(ctx)} ${what}; the call bypasses the cache`);
      return next(ctx);
    }
    return lookup(ctx, next as Continue, plan, argsPart(args));
  };

  /** Serves `ctx` from the cache under `plan` and `args`, or runs it once for everyone who asks meanwhile. */
  function lookup(
    ctx: RequestContext,
    next: Continue,
    plan: ToolPlan,
    args: string,
  ): Promise<CallToolResult> {
    let partition: string;
    if (plan.shared) partition = SHARED_PARTITION;
    else {
      const principal = principalIdOf(ctx);
      partition = principal === undefined ? ANONYMOUS_PARTITION : principalPart(principal);
    }
    // One flat string: a rope (what `+` builds) hashes and compares slower in a large Map.
    const key = [plan.prefix, partition, SEPARATOR, args].join('');

    // Join a run in progress first: no store round trip for callers that will share it anyway.
    const running = flights.size === 0 ? undefined : flights.get(key);
    if (running !== undefined && !running.detached) {
      const shared = share(ctx, running, false);
      if (shared !== undefined) return shared;
    }
    let found: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    let pending: boolean;
    try {
      found = store.get(key);
      pending = isPromise(found);
    } catch (error) {
      return bypassStore(ctx, next, key, error);
    }
    if (pending) {
      // Promise.resolve: a custom store's thenable may throw from then(); that becomes a rejection.
      return Promise.resolve(found).then(
        (entry) => answerFromStore(ctx, next, key, entry),
        (error: unknown) => bypassStore(ctx, next, key, error),
      );
    }
    return answerFromStore(ctx, next, key, found as CacheEntry | undefined);
  }

  // What a store answered is the store's: an entry that cannot be read (a hostile custom store) is a
  // store failure, bypassed like any other.
  function answerFromStore(
    ctx: RequestContext,
    next: Continue,
    key: string,
    entry: CacheEntry | undefined,
  ): Promise<CallToolResult> {
    if (health.failing) health.answered(ctx);
    try {
      return answer(ctx, next, key, entry);
    } catch (error) {
      return bypassStore(ctx, next, key, error);
    }
  }

  async function invalidate(filter: InvalidateFilter = {}): Promise<number> {
    for (const field of ['tool', 'principal'] as const) {
      const value = filter[field];
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new TypeError(`cache.invalidate: ${field} must be a non-empty string`);
      }
    }
    if (filter.resource !== undefined && (typeof filter.resource !== 'string' || filter.resource === '')) {
      throw new TypeError('cache.invalidate: resource must be a non-empty string');
    }
    if (filter.resource !== undefined && filter.tool !== undefined) {
      throw new TypeError('cache.invalidate: name a tool or a resource, not both');
    }
    const selected = keyFilter(filter.tool, filter.principal, filter.resource);
    flights.invalidate((key) => selected.matches(key));
    return store.invalidate(selected);
  }

  // A resource read is cached per URI and partition; `scope: 'shared'` shares reads too, a scope function
  // (a function of tools) leaves them per principal.
  if (reads) {
    middleware.requests = {
      'resources/read': (ctx, next) => {
        const uri = ctx.target;
        if (uri === undefined) return next();
        const plan = { prefix: resourcePart(uri) + SEPARATOR, shared: readsShared };
        return lookup(ctx, next as unknown as Continue, plan, NO_ARGS) as unknown as ReturnType<typeof next>;
      },
    };
  }
  return Object.assign(middleware, { invalidate });
}
