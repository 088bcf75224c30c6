/**
 * Caches that see writes: a call to a tool that is not read-only invalidates what it can change, by
 * bumping a generation per partition (one store round trip, no scan), or the reads it declares.
 */
import {
  ConfigError,
  readOptions,
  type CallToolResult,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { describeValue, globToRegExp, principalIdOf } from '@mcp-middleware/core/helpers';
import {
  ALL_PARTITIONS,
  ANONYMOUS_PARTITION,
  SHARED_PARTITION,
  isEntryKey,
  partitionOf,
  principalPart,
  toolOf,
} from './keys.js';
import type { CacheStore } from './store.js';

/** Which cached reads a write invalidates by default: the caller's (and shared ones), everyone's, or none. */
export type InvalidateOnWrite = 'principal' | 'all' | 'none';

/** The options of `cache()` that make writes invalidate reads. */
export interface InvalidationOptions {
  /**
   * What a call to a tool without `readOnlyHint: true` invalidates once it settled: `'principal'` the
   * caller's cached reads (and the shared ones), `'all'` every principal's (a server whose data all callers
   * share, like server-memory's graph), `'none'` nothing (the results' ttl is their only expiry).
   * @default 'principal'
   */
  readonly invalidateOnWrite?: InvalidateOnWrite | undefined;
  /**
   * Per write tool glob, the read tool globs it invalidates instead of the default:
   * `{ create_entities: ['read_graph', 'search_*'] }`. The first matching glob wins; an empty list
   * invalidates nothing. These are removed from the store by tool (a SCAN on Redis), not by generation.
   * @default {}
   */
  readonly invalidates?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Option names, for `cache()`'s list of known options. */
export const INVALIDATION_OPTIONS = ['invalidateOnWrite', 'invalidates'] as const;

interface Rule {
  readonly write: { test(name: string): boolean };
  readonly reads: readonly { test(name: string): boolean }[];
}

/** Runs a call that is not a cached read; once a write settled, invalidates the reads it may have changed. */
export type WriteHook = (ctx: ToolContext, next: Next) => Promise<CallToolResult>;

const isPromise = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function';

function readRules(value: unknown): readonly Rule[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'invalidates',
      `cache: invalidates must map write tool globs to lists of read tool globs, got ${describeValue(value)}`,
    );
  }
  return Object.entries(value as Record<string, unknown>).map(([write, reads]) => {
    if (!Array.isArray(reads) || !reads.every((r) => typeof r === 'string' && r !== '')) {
      throw new ConfigError(
        `invalidates.${write}`,
        `cache: invalidates.${write} must be a list of tool globs, got ${describeValue(reads)}`,
      );
    }
    return { write: globToRegExp(write), reads: (reads as string[]).map(globToRegExp) };
  });
}

/**
 * The write hook of one `cache()`, or undefined when writes invalidate nothing. `forget` keeps this
 * process's reads in flight from storing what a write may have changed.
 */
export function writeHook(
  options: InvalidationOptions,
  store: CacheStore,
  forget: (matches: (key: string) => boolean) => void,
  warn: (ctx: ToolContext, message: string, cause: unknown) => void,
): WriteHook | undefined {
  const read = readOptions(
    'cache',
    { invalidateOnWrite: options.invalidateOnWrite, invalidates: options.invalidates },
    INVALIDATION_OPTIONS,
  );
  const mode = read.raw('invalidateOnWrite') ?? 'principal';
  if (mode !== 'principal' && mode !== 'all' && mode !== 'none')
    read.fail('invalidateOnWrite', '"principal", "all" or "none"');
  const rules = readRules(read.raw('invalidates'));
  if (mode === 'none' && rules.length === 0) return undefined;

  // The keys a write by `partition` may have made stale: its own and shared results, or all with 'all'.
  const inScope =
    (partition: string) =>
    (key: string): boolean => {
      if (!isEntryKey(key)) return false;
      if (mode === 'all') return true;
      const part = partitionOf(key);
      return part === partition || part === SHARED_PARTITION;
    };

  function declared(reads: Rule['reads'], partition: string): unknown {
    if (reads.length === 0) return undefined;
    const scoped = inScope(partition);
    const matches = (key: string): boolean => scoped(key) && reads.some((r) => r.test(toolOf(key)));
    forget(matches);
    return store.invalidate({ tool: undefined, partition: mode === 'all' ? undefined : partition, matches });
  }

  function bump(partition: string): unknown {
    const matches = inScope(partition);
    forget(matches);
    if (store.bump !== undefined)
      return store.bump(mode === 'all' ? [ALL_PARTITIONS] : [partition, SHARED_PARTITION]);
    // A store without generations: remove by partition (a scan on stores that keep their own keys).
    return store.invalidate({ tool: undefined, partition: mode === 'all' ? undefined : partition, matches });
  }

  function invalidate(ctx: ToolContext): unknown {
    const principal = principalIdOf(ctx);
    const partition = principal === undefined ? ANONYMOUS_PARTITION : principalPart(principal);
    const rule = rules.find((r) => r.write.test(ctx.tool.name));
    try {
      if (rule !== undefined) return declared(rule.reads, partition);
      return mode === 'none' ? undefined : bump(partition);
    } catch (error) {
      warn(ctx, `cache: invalidating the reads of a call to tool \`${ctx.tool.name}\` failed`, error);
      return undefined;
    }
  }

  // The reads are invalidated once the write settled (whatever its outcome: a failed write may have
  // written), and the caller gets the answer after that, so its next read sees the write.
  return async function afterWrite(ctx, next) {
    if (ctx.tool.annotations?.readOnlyHint === true) return next(ctx);
    try {
      return await next(ctx);
    } finally {
      const pending = invalidate(ctx);
      if (isPromise(pending)) {
        await pending.then(undefined, (error: unknown) =>
          warn(ctx, `cache: invalidating the reads of a call to tool \`${ctx.tool.name}\` failed`, error),
        );
      }
    }
  };
}
