/** cache(): results of read-only tools (and, opted in, resource reads), partitioned by principal, single-flight. */
import type {
  CallToolResult,
  Middleware,
  Next,
  RequestContext,
  ToolContext,
  ToolInfo,
} from '@mcp-middleware/core';
import { CanonicalError, canonicalJson } from './canonical.js';
import { CacheEngine, subjectOf, warn, type CachePlan, type Continue } from './engine.js';
import { SEPARATOR, argsPart, keyFilter, resourcePart, toolPart } from './keys.js';
import { resolveOptions, type CacheOptions } from './options.js';
import { writeHook } from './invalidation.js';
import { isInputRound } from './input-round.js';

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

// A read names its resource and nothing else: every read of one URI (in one partition) is the same.
const NO_ARGS = '-';

/** How `tool` is cached (null: not at all), from the `cacheable` and `scope` options; asked once per tool. */
function planOf(
  ctx: ToolContext,
  cacheable: (tool: ToolInfo) => boolean,
  scope: (tool: ToolInfo) => unknown,
): CachePlan | null {
  const tool = ctx.tool;
  try {
    if (!cacheable(tool)) return null;
    const chosen = scope(tool);
    if (chosen !== 'shared' && chosen !== 'principal') {
      warn(
        ctx,
        `cache: scope for tool \`${tool.name}\` is neither "principal" nor "shared"; using "principal"`,
      );
    }
    return { prefix: toolPart(tool.name) + SEPARATOR, shared: chosen === 'shared' };
  } catch (error) {
    warn(ctx, `cache: the cacheable or scope option threw for tool \`${tool.name}\`; not caching it`, error);
    return null;
  }
}

// Args without a canonical form (or too long for one) bypass the cache, with an event and a warning.
function bypassArgs(
  ctx: ToolContext,
  next: Next,
  error: unknown,
  maxArgsChars: number,
): Promise<CallToolResult> {
  const reason = error instanceof CanonicalError ? error.reason : 'args-unserialisable';
  ctx.emit({ type: 'cache', result: 'bypass', reason });
  const what =
    reason === 'args-too-large'
      ? `are longer than maxArgsChars (${maxArgsChars}) as canonical JSON`
      : `hold ${error instanceof CanonicalError ? error.message : 'a value'} that has no canonical JSON`;
  warn(ctx, `cache: the args of ${subjectOf(ctx)} ${what}; the call bypasses the cache`);
  return next(ctx);
}

function checkFilter(filter: InvalidateFilter): void {
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
}

/**
 * Caches successful results of tools with `readOnlyHint: true` (or those `cacheable` picks) for `ttlMs`,
 * keyed by tool, canonical parsed args and principal. Concurrent misses of one key run the handler once.
 * A result served from the cache carries `_meta["io.github.mcp-middleware/cache"] = { hit: true, ageMs }`.
 */
export function cache(options: CacheOptions = {}): CacheMiddleware {
  const resolved = resolveOptions(options);
  const { maxArgsChars, scope, cacheable, store, reads, readsShared } = resolved;
  const engine = new CacheEngine(resolved);
  const plans = new WeakMap<ToolInfo, CachePlan | null>();
  // Calls that are not cached reads: a write invalidates what it can change (see invalidation.ts).
  const afterWrite = writeHook(options, store, (matches) => engine.flights.invalidate(matches), warn);

  const middleware: Middleware = function cache(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    let plan = plans.get(ctx.tool);
    if (plan === undefined) plans.set(ctx.tool, (plan = planOf(ctx, cacheable, scope)));
    if (plan === null) return afterWrite === undefined ? next(ctx) : afterWrite(ctx, next);
    // A task-augmented call (2025-11-25 tasks), or one whose client accepts a task (the 2026-07-28 Tasks
    // extension), may create a task each time, and a round carrying a client's input is that caller's own:
    // none is ever a hit, joins another call's flight or is stored.
    if (ctx.params?.task !== undefined || isInputRound(ctx) || acceptsTask(ctx.meta)) return next(ctx);
    let args: string;
    try {
      args = canonicalJson(ctx.args, maxArgsChars);
    } catch (error) {
      return bypassArgs(ctx, next, error, maxArgsChars);
    }
    return engine.lookup(ctx, next as Continue, plan, argsPart(args));
  };

  async function invalidate(filter: InvalidateFilter = {}): Promise<number> {
    checkFilter(filter);
    const selected = keyFilter(filter.tool, filter.principal, filter.resource);
    engine.flights.invalidate((key) => selected.matches(key));
    return store.invalidate(selected);
  }

  // A resource read is cached per URI and partition; `scope: 'shared'` shares reads too, a scope function
  // (a function of tools) leaves them per principal.
  if (reads) {
    middleware.requests = {
      'resources/read': (ctx: RequestContext, next) => {
        const uri = ctx.target;
        if (uri === undefined || isInputRound(ctx)) return next();
        const plan = { prefix: resourcePart(uri) + SEPARATOR, shared: readsShared };
        return engine.lookup(ctx, next as unknown as Continue, plan, NO_ARGS) as unknown as ReturnType<
          typeof next
        >;
      },
    };
  }
  return Object.assign(middleware, { invalidate });
}

const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** True when a 2026-07-28 client declared the Tasks extension on this request (the server may answer a task). */
function acceptsTask(meta: ToolContext['meta']): boolean {
  const capabilities = meta?.['io.modelcontextprotocol/clientCapabilities'] as
    { extensions?: unknown } | undefined;
  const extensions = capabilities?.extensions;
  return typeof extensions === 'object' && extensions !== null && TASKS_EXTENSION in extensions;
}
