/**
 * The registry entries of the safe-writes middlewares (approval, idempotency) and the cache options that
 * make writes invalidate reads. Factories are imported when a pipeline names them, as in builtins.ts.
 */
import { z } from 'zod';
import type { BuildContext, RegistryEntry } from './registry.js';
import { durationMs, flag, integer, oneOf, storeName, text, textList } from './schema-helpers.js';

type Options = Record<string, unknown>;

/** `options` without `drop` and without undefined values. */
function without(options: Options, drop: readonly string[]): Options {
  return Object.fromEntries(
    Object.entries(options).filter(([key, value]) => value !== undefined && !drop.includes(key)),
  );
}

/** The Redis client and prefix of the named shared store, or undefined for a memory store or none. */
function sharedRedis(
  context: BuildContext,
  name: unknown,
  suffix: string,
): { client: never; prefix: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const store = context.store(name);
  return store.type === 'redis'
    ? { client: store.client as never, prefix: `${store.prefix}${suffix}` }
    : undefined;
}

const toolGlobs = textList().min(1, { error: 'expected at least one tool glob' });
/** `{ "<tool glob>": [names] }`: idempotency's keyArgs, cache's invalidates. */
export const globLists = z.record(z.string().min(1), textList(), {
  error: 'expected a map of tool globs to lists of names',
});

const approvalEntry: RegistryEntry = {
  name: 'approval',
  description: 'destructive tools run only after a human approved the call (elicitation or input_required)',
  schema: z.strictObject({
    tools: toolGlobs.optional(),
    secret: text().min(32, { error: 'expected at least 32 characters (use ${ENV_VAR})' }).optional(),
    ttlMs: integer('an integer ≥ 1000 (milliseconds)', 1_000).optional(),
    timeoutMs: integer('an integer ≥ 1000 (milliseconds)', 1_000).optional(),
  }),
  async create(options) {
    const { approval } = await import('@mcp-middleware/approval');
    return approval(without(options, []));
  },
};

const idempotencyEntry: RegistryEntry = {
  name: 'idempotency',
  description: 'a repeated write with the same idempotency key (per principal) answered once',
  schema: z.strictObject({
    tools: toolGlobs.optional(),
    keyArgs: globLists.optional(),
    ttlMs: durationMs().optional(),
    pendingTtlMs: durationMs().optional(),
    waitMs: integer('a non-negative integer (milliseconds)', 0).optional(),
    pollMs: durationMs().optional(),
    storeToolErrors: flag().optional(),
    onStoreError: oneOf(['refuse', 'run']).optional(),
    maxKeyChars: integer('an integer from 8 to 4096', 8, 4096).optional(),
    store: storeName().optional(),
  }),
  async create(options, context) {
    const { idempotency, redisStore } = await import('@mcp-middleware/idempotency');
    const redis = sharedRedis(context, options.store, 'idempotency:');
    return idempotency({
      ...(without(options, ['store']) as Parameters<typeof idempotency>[0]),
      ...(redis === undefined ? {} : { store: redisStore(redis) }),
    });
  },
};

/** The entries, in pipeline order: after validation, before cache. */
export const writeEntries: readonly RegistryEntry[] = [approvalEntry, idempotencyEntry];

/**
 * One line and the default of each option above, for the JSON Schema's hovers; the option-docs table
 * spreads these in (`approval`, `idempotency`, and the two cache keys).
 */
export const writeOptionDocs = {
  approval: {
    tools: ['the tools that need a human approval (globs; default: tools annotated destructiveHint)'],
    secret: [
      'HMAC key of input_required states, ≥ 32 characters; replicas share it (default: random per process)',
    ],
    ttlMs: ['how long an input_required approval round stays answerable', 600_000],
    timeoutMs: ['how long to wait for the human before refusing', 600_000],
  },
  idempotency: {
    tools: ['the tools that take idempotency keys (globs; default: every tool without readOnlyHint)'],
    keyArgs: ['{ "<tool glob>": [arg names] }: a key derived from args when _meta carries none', {}],
    ttlMs: ['how long a completed result answers repeats of its key', 86_400_000],
    pendingTtlMs: [
      'how long a claim lasts while the first call runs (frees keys of a dead replica)',
      300_000,
    ],
    waitMs: [
      "how long a repeat waits for another replica's run before it is refused as still running",
      30_000,
    ],
    pollMs: ['how often a waiting repeat asks the store again', 100],
    storeToolErrors: ['also answer repeats with a stored isError result', false],
    onStoreError: ['on a store outage: refuse the write (never twice) or run it without a key', 'refuse'],
    maxKeyChars: ['longest key accepted from _meta', 256],
    store: ['a store from stores: (memory if absent); redis shares keys across replicas'],
  },
} as const;
